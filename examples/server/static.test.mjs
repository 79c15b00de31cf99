// Static files: mounts, content types, no-store, and refusal of directory traversal.
// Runs against a throwaway repository tree so that it never depends on (or touches) pkg/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawRequest } from './harness.mjs';
import { startServer } from './server.mjs';

const WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
let root;
let server;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'freshet-static-'));
  const files = {
    'examples/pages/index.html': '<!doctype html><title>home</title>',
    'examples/pages/studio.html': '<!doctype html><title>studio</title>',
    'pkg/freshet.js': 'export const x = 1;',
    'pkg/freshet_bg.wasm': WASM,
    'pkg/freshet.d.ts': 'export declare const x: number;',
    'node_modules/@tanstack/query-core/build/modern/index.js': 'export {};',
    'bench/run.mjs': 'export {};',
    'bench/page/index.html': '<!doctype html><title>bench</title>',
    'tests/browser/e2e.test.mjs': 'export {};',
    'secret.txt': 'do not serve',
    'examples/server/data.mjs': 'do not serve either',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  server = await startServer({ port: 0, repoRoot: root });
});

after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (path, options) => rawRequest(server.url, path, options);

describe('static files', () => {
  test('/ serves examples/pages/index.html', async () => {
    const res = await get('/');
    assert.equal(res.status, 200);
    assert.equal(res.text, '<!doctype html><title>home</title>');
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.ok(res.headers.date);
  });

  test('each mount serves its folder with the right content type', async () => {
    for (const [path, type] of [
      ['/pages/studio.html', 'text/html; charset=utf-8'],
      ['/pkg/freshet.js', 'text/javascript; charset=utf-8'],
      ['/pkg/freshet_bg.wasm', 'application/wasm'],
      ['/pkg/freshet.d.ts', 'text/plain; charset=utf-8'],
      ['/node_modules/@tanstack/query-core/build/modern/index.js', 'text/javascript; charset=utf-8'],
      ['/bench/run.mjs', 'text/javascript; charset=utf-8'],
      ['/bench/page/', 'text/html; charset=utf-8'],
      ['/tests/browser/e2e.test.mjs', 'text/javascript; charset=utf-8'],
    ]) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], type, path);
      assert.equal(res.headers['cache-control'], 'no-store', path);
    }
  });

  test('wasm bytes arrive intact', async () => {
    const response = await fetch(`${server.url}/pkg/freshet_bg.wasm`);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), WASM);
  });

  test('HEAD sends the headers only', async () => {
    const res = await get('/pkg/freshet_bg.wasm', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(WASM.length));
    assert.equal(res.text, '');
  });

  test('missing files and unmounted paths are 404', async () => {
    for (const path of ['/pkg/missing.js', '/pages/nope.html', '/secret.txt', '/examples/server/data.mjs', '/pkg']) {
      assert.equal((await get(path)).status, 404, path);
    }
  });

  test('directory traversal is refused, however it is spelled', async () => {
    for (const path of [
      '/pages/../../secret.txt',
      '/pages/../server/data.mjs',
      '/pkg/%2e%2e/secret.txt',
      '/pkg/%2E%2E%2Fsecret.txt',
      '/pkg/..%2fsecret.txt',
      '/tests/..%5csecret.txt',
      '/../secret.txt',
      '/pkg/%00.js',
      '/pkg/%zz',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.doesNotMatch(res.text, /do not serve/, path);
    }
  });
});

test('the real repository serves its demo page', async () => {
  const real = await startServer({ port: 0 });
  try {
    const res = await rawRequest(real.url, '/');
    assert.equal(res.status, 200);
    assert.match(res.text, /<title>freshet demo/);
    assert.match(res.text, /src="\/pages\/index\.js"/);
  } finally {
    await real.close();
  }
});
