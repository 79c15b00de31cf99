// Shared by the browser tests: one demo server and one headless Chromium per test file, a
// fresh page per test, and the server's request counters. Not a test file itself.
import { after, afterEach, before, beforeEach } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer } from '../../examples/server/server.mjs';

export const CHROME_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Launches Debian's (or $CHROME_BIN's) Chromium; never downloads a browser. */
export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROME_BIN || '/usr/bin/chromium', args: CHROME_ARGS });
}

// Where wasm's stack pointer rests between calls: rustc links wasm32 with the stack first,
// 1 MiB growing down (as scripts/build.sh notes).
const STACK_BASE = 1 << 20;

/** Server + browser for the calling file; `ctx.page` is a new page on the blank test page. */
export function useBrowser() {
  const ctx = { url: '', page: null, context: null, browser: null };
  let server;
  before(async () => {
    server = await startServer({ port: 0 });
    ctx.url = server.url;
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    // No call may leave wasm's stack pointer moved (a throw through wasm frames leaks them; see
    // js/index.js): checked after every test, on whatever page it ended (reloaded pages and the
    // demo too).
    const moved = await ctx.page?.evaluate(async (STACK_BASE) => {
      // The demo page imports the same module URL, so this is its instance too.
      const freshet = window.freshet ?? await import('/pkg/index.js');
      const sp = (await freshet.initFreshet()).__stack_pointer;
      if (sp === undefined) return 'the module does not export __stack_pointer (build.rs)';
      return sp.value === STACK_BASE ? null : `wasm stack pointer at ${sp.value}, not at its base ${STACK_BASE}: a call leaked stack`;
    }, STACK_BASE).catch(() => null); // a closed or navigating page has nothing to check
    if (moved) throw new Error(moved);
  });
  beforeEach(async () => {
    await fetch(`${ctx.url}/__test/reset`, { method: 'POST' });
    await ctx.context?.close();
    ctx.context = await ctx.browser.newContext();
    ctx.page = await ctx.context.newPage();
    ctx.page.on('pageerror', (e) => console.error('page error:', e));
    await ctx.page.goto(`${ctx.url}/tests/js/blank.html`);
    await ctx.page.evaluate(async () => {
      window.freshet = await import('/pkg/index.js');
    });
  });
  return ctx;
}

/** Requests the server counted for `route` ("GET /path"), or in total. */
export async function requests(base, route) {
  const counts = await (await fetch(`${base}/__test/requests`)).json();
  return route === undefined ? counts.total : (counts.byRoute[route] ?? 0);
}

/** Makes the server fail or delay matching requests. */
export async function fault(base, spec) {
  const response = await fetch(`${base}/__test/faults`, { method: 'POST', body: JSON.stringify(spec) });
  if (!response.ok) throw new Error(`fault not set: ${await response.text()}`);
}

/** Sends a write to the demo server from Node (as another client would). */
export async function write(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}
