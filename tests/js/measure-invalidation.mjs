// Quick measurement, not part of the suite and not the benchmark (bench/ has the §10 rows):
// invalidation over 10k entries,
// freshet and TanStack query-core in the same page, medians of repeated runs.
// Run after `bash scripts/build.sh`: `node tests/js/measure-invalidation.mjs`.
import { startServer } from '../../examples/server/server.mjs';
import { launchBrowser } from './harness.mjs';
const server = await startServer({ port: 0 });
const b = await launchBrowser();
const page = await b.newPage();
await page.goto(`${server.url}/tests/js/blank.html`);
console.log(JSON.stringify(await page.evaluate(async () => {
  globalThis.process = { env: { NODE_ENV: 'production' } };
  const freshet = await import('/pkg/index.js');
  const { QueryClient } = await import('/node_modules/@tanstack/query-core/build/modern/index.js');
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const fill = (cache) => {
    for (let i = 0; i < 10_000; i++) cache.set(`/api/items/${i}`, { id: i }, { pageType: 'writing', tags: [`item:${i}`, `group:${i % 100}`] });
  };
  const tq = () => {
    const qc = new QueryClient();
    for (let i = 0; i < 10_000; i++) qc.setQueryData(['group', i % 100, i], { id: i });
    return qc;
  };
  const out = { freshetTag: [], tanstackPrefix: [], freshetPageType: [], tanstackAll: [] };
  for (let r = 0; r < 5; r++) {
    const c = await freshet.createCache({ maxEntries: 20_000, revalidateOnFocus: false });
    fill(c);
    let t0 = performance.now();
    for (let g = 0; g < 100; g++) c.invalidateTags([`group:${g}`]);
    out.freshetTag.push((performance.now() - t0) / 100);
    t0 = performance.now();
    for (let k = 0; k < 200; k++) c.invalidatePageTypes(['writing']);
    out.freshetPageType.push((performance.now() - t0) / 200);
    c.destroy();
    const qc = tq();
    t0 = performance.now();
    for (let g = 0; g < 20; g++) await qc.invalidateQueries({ queryKey: ['group', g] });
    out.tanstackPrefix.push((performance.now() - t0) / 20);
    t0 = performance.now();
    for (let k = 0; k < 10; k++) await qc.invalidateQueries();
    out.tanstackAll.push((performance.now() - t0) / 10);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k + 'Ms', med(v)]));
})));
await b.close(); await server.close();
