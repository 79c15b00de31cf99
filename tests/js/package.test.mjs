// The npm package as published: publint --strict, arethetypeswrong on the packed tarball, the
// exports map against the tarball, the TypeScript types of every entry point compiled by a
// consumer, and the core entry loaded by a plain <script type="module"> page.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBrowser } from './harness.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PKG = join(ROOT, 'pkg');
const BIN = join(ROOT, 'node_modules', '.bin');

/** Runs a tool; returns { status, output } instead of throwing on a non-zero exit. */
function run(command, args, cwd = ROOT) {
  try {
    return { status: 0, output: execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    return { status: error.status ?? 1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` };
  }
}

describe('npm package', () => {
  let scratch;
  let tarball;
  let packed;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'freshet-pack-'));
    const [info] = JSON.parse(run('npm', ['pack', PKG, '--json', '--pack-destination', scratch]).output);
    tarball = join(scratch, info.filename);
    packed = new Set(info.files.map((f) => f.path));
  });

  it('passes publint --strict', () => {
    const { status, output } = run(join(BIN, 'publint'), ['--strict', PKG]);
    assert.equal(status, 0, output);
    assert.match(output, /All good/);
  });

  it('passes arethetypeswrong on the packed tarball (ESM-only profile)', () => {
    // The wasm file is an asset subpath (for bundlers that copy it), not a module with types.
    const { status, output } = run(join(BIN, 'attw'), [tarball, '--profile', 'esm-only', '--exclude-entrypoints', 'freshet_wasm_bg.wasm']);
    assert.equal(status, 0, output);
    for (const entry of ['"freshet"', '"freshet/swr"', '"freshet/tanstack"', '"freshet/server"']) assert.ok(output.includes(entry), entry);
    assert.doesNotMatch(output, /💀|❌/);
  });

  it('packs every file the exports map names, and side-effect-free ESM', () => {
    const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
    assert.equal(manifest.type, 'module');
    assert.equal(manifest.sideEffects, false);
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const targets = typeof target === 'string' ? [target] : Object.values(target);
      if (typeof target === 'object') assert.equal(Object.keys(target)[0], 'types', `${subpath}: types first`);
      for (const file of targets) assert.ok(packed.has(file.replace(/^\.\//, '')), `${subpath} → ${file} is packed`);
    }
    assert.ok(![...packed].some((f) => f.endsWith('.test.mjs') || f.startsWith('src/')), [...packed].join(' '));
  });

  it('type-checks a consumer of every entry point with no implicit any', () => {
    const dir = join(scratch, 'consumer');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(PKG, join(dir, 'node_modules', 'freshet'), 'dir');
    for (const dep of ['swr', 'react', '@tanstack']) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
    writeFileSync(join(dir, 'consumer.ts'), `
import { createCache, wrapFetch, type Cache } from 'freshet';
import { freshetFetcher, freshetProvider } from 'freshet/swr';
import { connectQueryClient, createFreshetPersister, freshetQueryFn, queryUrl, type Persister } from 'freshet/tanstack';
import { invalidationHeaders } from 'freshet/server';
import { QueryClient } from '@tanstack/query-core';
import type { Cache as SWRCache } from 'swr';

export async function main(): Promise<void> {
  const cache: Cache = await createCache({ routes: [{ pattern: '/a/:id', pageType: 'reading' }] });
  const provider: SWRCache = freshetProvider(cache);
  const fetcher: (url: string) => Promise<{ id: string }> = freshetFetcher<{ id: string }>(cache);
  const persister: Persister = createFreshetPersister(cache, { key: 'app', maxAge: 1000 });
  const client = new QueryClient({ defaultOptions: { queries: { queryFn: freshetQueryFn(cache) } } });
  const stop: () => void = connectQueryClient(cache, client);
  const url: string | undefined = queryUrl(['/a/1']);
  const stored: boolean = cache.persistRecord('n', 't', 1000);
  const text: string | undefined = cache.readRecord('n');
  const names: string[] = cache.recordNames('');
  const fetch2 = wrapFetch(cache);
  void [provider, fetcher, persister, stop, url, stored, text, names, fetch2, invalidationHeaders];
}
`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler',
        lib: ['es2022', 'esnext.disposable', 'dom'], types: [], skipLibCheck: false,
      },
      files: ['consumer.ts'],
    }));
    const { status, output } = run(join(BIN, 'tsc'), ['-p', dir], dir);
    // Errors inside third-party declaration files are theirs (swr's need @types/react); ours and the
    // consumer's must be clean. wasm-bindgen's glue types use Symbol.dispose: esnext.disposable.
    const ours = output.split('\n').filter((line) => /error TS/.test(line) && !line.includes('node_modules/swr') && !line.includes('node_modules/@tanstack') && !line.includes('node_modules/react'));
    assert.deepEqual(ours, [], output);
    assert.ok(status === 0 || ours.length === 0);
  });

  describe('in a plain module page', () => {
    const ctx = useBrowser();
    it('loads the package from <script type="module"> and reads through it', async () => {
      const dir = join(ROOT, 'tests', 'js', 'out', 'plain');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><p id="out">loading</p>
<script type="module">
  import { createCache } from '/pkg/index.js';
  import { createFreshetPersister } from '/pkg/tanstack.js';
  const cache = await createCache();
  const chapter = await cache.get('/studio/api/chapters/s1c1');
  const persister = createFreshetPersister(cache);
  document.getElementById('out').textContent = chapter.title + ' / ' + typeof persister.persistClient;
</script>`);
      await ctx.page.goto(`${ctx.url}/tests/js/out/plain/index.html`);
      await ctx.page.waitForFunction(() => document.getElementById('out').textContent !== 'loading', null, { timeout: 5000 });
      assert.equal(await ctx.page.evaluate(() => document.getElementById('out').textContent), 'Chapter 1 / function');
    });
  });
});
