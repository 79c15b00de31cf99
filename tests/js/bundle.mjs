// Builds a test page as an app would: esbuild bundles it with the real npm packages, and
// `freshet` resolves through pkg/'s package.json exports map (a node_modules link to pkg/, as
// after `npm install freshet`). The wasm file is copied beside the bundle, where the glue's
// `new URL('freshet_wasm_bg.wasm', import.meta.url)` looks for it. Not a test file itself.
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

/** Bundles tests/js/pages/`source` into tests/js/out/`name`/; returns the page's URL path. */
export async function bundlePage(name, source) {
  const out = join(HERE, 'out', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'modules'), { recursive: true });
  symlinkSync(join(ROOT, 'pkg'), join(out, 'modules', 'freshet'), 'dir');
  await build({
    entryPoints: [join(HERE, 'pages', source)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(out, 'app.js'),
    nodePaths: [join(out, 'modules')],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  copyFileSync(join(ROOT, 'pkg', 'freshet_wasm_bg.wasm'), join(out, 'freshet_wasm_bg.wasm'));
  writeFileSync(join(out, 'index.html'),
    '<!doctype html><meta charset="utf-8"><div id="root"></div><script type="module" src="app.js"></script>\n');
  return `/tests/js/out/${name}/index.html`;
}
