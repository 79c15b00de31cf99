// Runs the benchmark (SPEC §10): starts the demo server in-process, opens bench/bench.html in
// headless Chromium, runs bench.mjs there, prints one line per row and writes bench/results.json.
//
//   node bench/run.mjs            (normally through `npm run bench`, which runs the setup first)
//
// Environment: CHROME_BIN (default /usr/bin/chromium; a browser is never downloaded),
// BENCH_RUNS (timed runs per side, default 15), BENCH_MIN_MS (shortest run, default 50),
// BENCH_FILTER (only rows whose name contains it; results.json is then left as it was),
// BENCH_PKG (`out`: benchmark the snapshot copied into bench/out/pkg instead of pkg/).
// Exits 0 when every row was measured, whether or not it met its target; 1 on any error.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../examples/server/server.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_FILE = join(BENCH_DIR, 'results.json');
const RAW_FILE = join(BENCH_DIR, 'out', 'raw.json');
const CHROME_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const LOAD_TIMEOUT_MS = 60_000;
// A hang guard, not a budget: the full run takes 5–6 min on these machines.
const RUN_TIMEOUT_MS = 12 * 60_000;

function intFromEnv(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const round = (x, digits) => (x === null ? null : Number(x.toFixed(digits)));

/** The results.json row of one measured row. */
function toRow(r) {
  const freshetNs = r.freshet ? r.freshet.median_ns : null;
  const baselineNs = r.baseline.median_ns;
  const ratio = freshetNs === null ? null : round(freshetNs / baselineNs, 4);
  return {
    name: r.name,
    freshet_ns: round(freshetNs, 1),
    baseline: r.baselineName,
    baseline_ns: round(baselineNs, 1),
    ratio,
    target: r.target,
    pass: r.target === null || ratio === null ? null : ratio <= r.target,
  };
}

function fmtNs(ns) {
  if (ns === null) return '-';
  return ns >= 10_000 ? ns.toFixed(0) : ns.toFixed(1);
}

function printTable(rows) {
  const header = ['operation', 'freshet ns/op', 'baseline', 'baseline ns/op', 'ratio', 'target', ''];
  const lines = rows.map((row) => [
    row.name,
    fmtNs(row.freshet_ns),
    row.baseline,
    fmtNs(row.baseline_ns),
    row.ratio === null ? '-' : row.ratio.toFixed(3),
    row.target === null ? '-' : `≤ ${row.target.toFixed(2)}`,
    row.pass === null ? 'info' : row.pass ? 'ok' : 'MISS',
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c].length)));
  const right = new Set([1, 3, 4, 5]);
  const fmt = (cells) => cells.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}

async function main() {
  const options = {
    runs: intFromEnv('BENCH_RUNS', 15, 1),
    minMs: intFromEnv('BENCH_MIN_MS', 50, 1),
    filter: process.env.BENCH_FILTER ?? '',
    pkg: process.env.BENCH_PKG === 'out' ? 'out' : 'pkg',
  };
  const server = await startServer({ port: 0 });
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROME_BIN || '/usr/bin/chromium', args: CHROME_ARGS });
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error));
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('[bench]')) console.error(text);
      else if (msg.type() === 'error' || msg.type() === 'warning') console.error(`[page ${msg.type()}] ${text}`);
    });

    const response = await page.goto(`${server.url}/bench/bench.html${options.pkg === 'out' ? '?pkg=out' : ''}`);
    if (!response || !response.ok()) throw new Error(`bench.html: HTTP ${response ? response.status() : 'no response'}`);
    await page.waitForFunction(() => window.benchState !== undefined, null, { timeout: LOAD_TIMEOUT_MS });
    const state = await page.evaluate(() => window.benchState);
    if (state !== 'ready') throw new Error(`bench.mjs did not load: ${state}`);
    await fetch(`${server.url}/__test/requests/reset`, { method: 'POST' });

    const started = Date.now();
    const out = await withTimeout(
      page.evaluate(({ pkg, ...opts }) => window.freshetBench.runBench({ ...opts, log: (line) => console.log(line) }), options),
      RUN_TIMEOUT_MS,
      'the benchmark',
    );
    if (pageErrors.length > 0) throw new Error(`uncaught error in the page: ${pageErrors[0].stack || pageErrors[0]}`);

    const counts = await (await fetch(`${server.url}/__test/requests`)).json();
    const notes = [...out.notes];
    if (counts.total > 0) notes.push(`${counts.total} API requests reached the server during the run (hits should make none): ${JSON.stringify(counts.byRoute)}`);
    const short = out.results.flatMap((r) => [['freshet', r.freshet], ['baseline', r.baseline]]
      .filter(([, s]) => s && !s.fixed_iterations && s.shortest_run_ms < options.minMs * 0.9)
      .map(([side, s]) => `${r.name} (${side}): a run took ${s.shortest_run_ms.toFixed(1)} ms, under ${options.minMs} ms`));
    notes.push(...short);
    for (const r of out.results) {
      for (const [side, s] of [['freshet', r.freshet], ['baseline', r.baseline]]) {
        if (s && s.subtracted_ns != null) {
          notes.push(`${r.name} (${side}): net ${fmtNs(s.median_ns)} ns/op = timed ${fmtNs(s.gross_median_ns)} − ${fmtNs(s.subtracted_ns)} ns/op of subtracted set-up work (medians)`);
        }
      }
    }
    notes.push(`freshet imported from ${out.pkgUrl}`);

    const rows = out.results.map(toRow);
    printTable(rows);
    for (const note of notes) console.log(`note: ${note}`);
    const targeted = rows.filter((r) => r.pass !== null);
    const within = targeted.filter((r) => r.pass).length;
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`bench: ${rows.length} rows, ${within} within target (${targeted.length} with a target, ${rows.length - targeted.length} info; ${options.runs} runs of ≥ ${options.minMs} ms per side, ${seconds} s)`);

    await mkdir(dirname(RAW_FILE), { recursive: true });
    await writeFile(RAW_FILE, JSON.stringify({ date: new Date().toISOString(), options, ...out, notes, requests: counts.byRoute }, null, 2) + '\n');
    if (options.filter === '') {
      await writeFile(RESULTS_FILE, JSON.stringify(rows, null, 2) + '\n');
    } else {
      console.error(`bench: BENCH_FILTER set, ${RESULTS_FILE} left unchanged (raw figures in ${RAW_FILE})`);
    }
  } finally {
    await browser?.close();
    await server.close();
  }
}

main().catch((error) => {
  console.error(`bench: error: ${error && error.stack ? error.stack : error}`);
  process.exitCode = 1;
});
