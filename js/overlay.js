// freshet's debug overlay (dev builds only): `import { installOverlay } from 'freshet/overlay'`.
// Its own entry point, so a production bundle that imports only 'freshet' carries none of it.
// It reads the cache through its public API only (stats, events, alerts, keys, inspect, clear…)
// and renders into a shadow root under one host element, so the page's styles and ours never
// meet, and it defines nothing global.

const RANGES = [['1 min', 60_000], ['5 min', 300_000], ['15 min', 900_000], ['1 h', 3_600_000]];
const GROUPS = [['tier', 'Tier'], ['pageType', 'Page type'], ['event', 'Event']];
const MAX_ENTRIES = 200;
const RECENT_EVENTS = 25;

const STYLE = `
:host { all: initial; }
* { box-sizing: border-box; }
.view { position: fixed; z-index: 2147483647; right: 12px; bottom: 12px; width: min(760px, calc(100vw - 24px));
  max-height: calc(100vh - 24px); overflow: auto; background: #0f1420; color: #dce4f2; border: 1px solid #2b3550;
  border-radius: 8px; box-shadow: 0 8px 30px rgba(0,0,0,.45); font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; padding: 10px 12px; }
.view[hidden] { display: none; }
header { display: flex; align-items: center; gap: 8px; margin-bottom: 8px; }
h2 { font-size: 13px; margin: 0; flex: 1; color: #fff; font-weight: 600; }
h3 { font-size: 12px; margin: 10px 0 4px; color: #9fb3d9; font-weight: 600; }
button, select { font: inherit; color: #dce4f2; background: #1c2538; border: 1px solid #3a4867; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
button:focus-visible, select:focus-visible { outline: 2px solid #7aa2ff; outline-offset: 1px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)); gap: 6px; }
.tile { background: #161e2f; border-radius: 6px; padding: 6px 8px; }
.tile b { display: block; font-size: 16px; color: #fff; }
.tile span { color: #8b9bbb; }
table { width: 100%; border-collapse: collapse; }
table { table-layout: fixed; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #1f2940; vertical-align: top; overflow-wrap: anywhere; }
td.nowrap, th.nowrap { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tags { color: #8b9bbb; max-height: 3.2em; overflow: hidden; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
th { color: #8b9bbb; font-weight: normal; }
.fresh { color: #7ee2a8; } .stale { color: #f5c46b; } .invalidated, .expired, .error, .critical { color: #ff8a80; } .warning { color: #f5c46b; }
.controls { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin: 6px 0; }
canvas { width: 100%; height: 160px; background: #131a2a; border-radius: 6px; display: block; }
.empty { color: #6f7f9f; }
`;

const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`);
const ms = (v) => (v === null || v === undefined ? '–' : `${v} ms`);
const age = (v) => (v < 1000 ? `${v} ms` : v < 60_000 ? `${(v / 1000).toFixed(1)} s` : `${(v / 60_000).toFixed(1)} min`);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

/** A number tile; `data-stat` and `data-value` carry the raw figure (tests compare it to `stats()`). */
function tile(label, stat, value, text) {
  return el('div', { class: 'tile', 'data-stat': stat, 'data-value': value === null ? 'null' : value },
    el('b', {}, text), el('span', {}, label));
}

function hitTiles(stats) {
  return el('div', { class: 'tiles' },
    tile('hit rate', 'hitRate', stats.hitRate, pct(stats.hitRate)),
    tile('memory hit rate', 'tiers.memory.hitRate', stats.tiers.memory.hitRate, pct(stats.tiers.memory.hitRate)),
    tile('storage hit rate', 'tiers.storage.hitRate', stats.tiers.storage.hitRate, pct(stats.tiers.storage.hitRate)),
    tile('reads', 'reads', stats.reads, String(stats.reads)),
    tile('network requests', 'requests', stats.requests, String(stats.requests)),
    tile('invalidations', 'invalidations', stats.invalidations, String(stats.invalidations)),
    tile('errors', 'errors', stats.errors, String(stats.errors)),
    tile('p95 latency', 'latency.p95', stats.latency.p95, ms(stats.latency.p95)));
}

function eventRows(events) {
  if (events.length === 0) return el('p', { class: 'empty' }, 'no events yet');
  return el('table', {},
    el('colgroup', {}, ['14%', '11%', '9%', '36%', '6%', '24%'].map((w) => el('col', { style: `width:${w}` }))),
    el('tr', {}, el('th', {}, 'time'), el('th', {}, 'event'), el('th', {}, 'tier'), el('th', {}, 'key'), el('th', {}, 'ms'), el('th', {}, 'cause')),
    events.slice().reverse().map((e) => el('tr', { class: e.kind === 'error' ? 'error' : undefined },
      el('td', {}, new Date(e.at).toISOString().slice(11, 23)), el('td', {}, e.kind), el('td', {}, e.tier),
      el('td', {}, e.key ?? ''), el('td', {}, String(e.durationMs)),
      el('td', {}, [e.cause, e.detail].filter(Boolean).join(': ')))));
}

function entryRows(cache) {
  const keys = cache.keys();
  if (keys.length === 0) return el('p', { class: 'empty' }, 'the memory tier is empty');
  const shown = keys.slice(0, MAX_ENTRIES).map((key) => cache.inspect(key)).filter(Boolean);
  return el('div', {},
    el('table', { 'data-entries': keys.length },
      el('colgroup', {}, ['28%', '9%', '10%', '8%', '20%', '25%'].map((w) => el('col', { style: `width:${w}` }))),
      el('tr', {}, el('th', {}, 'key'), el('th', { class: 'nowrap' }, 'page type'), el('th', {}, 'state'), el('th', {}, 'age'), el('th', {}, 'tags'), el('th', {}, 'why not fresh')),
      shown.map((info) => el('tr', { 'data-key': info.key },
        el('td', {}, info.key), el('td', { class: 'nowrap' }, info.pageType), el('td', { class: `nowrap ${info.state}` }, info.state),
        el('td', { class: 'nowrap' }, age(info.age)), el('td', { title: info.tags.join(', ') }, el('div', { class: 'tags' }, info.tags.join(', '))),
        el('td', {}, info.reason ?? '')))),
    keys.length > MAX_ENTRIES ? el('p', { class: 'empty' }, `${keys.length - MAX_ENTRIES} more not shown`) : null);
}

/** Counts of the window grouped by tier, page type or event kind. */
function groups(cache, stats, events, by) {
  const counts = new Map();
  const add = (name, n) => counts.set(name, (counts.get(name) ?? 0) + n);
  if (by === 'pageType') {
    const from = stats.windowMs === null ? 0 : stats.at - stats.windowMs;
    for (const e of events) {
      if (e.at < from) continue;
      const info = e.key && e.key.startsWith('/') ? cache.inspect(e.key) : undefined;
      add(info ? info.pageType : e.key?.startsWith('pageType:') ? e.key.slice(9) : '(none)', 1);
    }
  } else {
    for (const [kind, tiers] of Object.entries(stats.byKind)) {
      for (const [tier, n] of Object.entries(tiers)) if (n > 0) add(by === 'tier' ? tier : kind, n);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

const COLORS = { hit: '#7ee2a8', miss: '#f5c46b', set: '#7aa2ff', invalidate: '#c792ea', error: '#ff8a80', evict: '#8b9bbb' };

/** Draws the per-bucket series as stacked bars on a time axis spanning the window. */
function drawSeries(canvas, stats) {
  const series = stats.series;
  const span = stats.windowMs ?? Math.max(stats.at - stats.since, 5000);
  const from = stats.at - span;
  const slots = Math.max(1, Math.ceil(span / 5000));
  const ctx = canvas.getContext('2d');
  const width = (canvas.width = canvas.clientWidth * devicePixelRatio || 600);
  const height = (canvas.height = canvas.clientHeight * devicePixelRatio || 160);
  ctx.clearRect(0, 0, width, height);
  const names = Object.keys(COLORS);
  const max = Math.max(1, ...series.map((p) => names.reduce((sum, n) => sum + p[n], 0)));
  const bar = width / slots;
  series.forEach((point) => {
    const i = Math.min(slots - 1, Math.max(0, Math.floor((point.at - from) / 5000)));
    let y = height;
    for (const name of names) {
      const h = (point[name] / max) * (height - 16);
      ctx.fillStyle = COLORS[name];
      ctx.fillRect(i * bar + 1, y - h, Math.max(bar - 2, 1), h);
      y -= h;
    }
  });
  ctx.font = `${11 * devicePixelRatio}px monospace`;
  names.forEach((name, i) => {
    ctx.fillStyle = COLORS[name];
    ctx.fillText(name, 6 + i * 80 * devicePixelRatio, 12 * devicePixelRatio);
  });
}

/** Draws grouped counts as horizontal bars. */
function drawGroups(canvas, rows) {
  const ctx = canvas.getContext('2d');
  const width = (canvas.width = canvas.clientWidth * devicePixelRatio || 600);
  const height = (canvas.height = canvas.clientHeight * devicePixelRatio || 160);
  ctx.clearRect(0, 0, width, height);
  const max = Math.max(1, ...rows.map((r) => r[1]));
  const row = Math.min(22 * devicePixelRatio, height / Math.max(rows.length, 1));
  ctx.font = `${11 * devicePixelRatio}px monospace`;
  rows.forEach(([name, n], i) => {
    const left = 110 * devicePixelRatio;
    ctx.fillStyle = '#7aa2ff';
    ctx.fillRect(left, i * row + 3, ((width - left - 50) * n) / max, row - 6);
    ctx.fillStyle = '#dce4f2';
    ctx.fillText(name, 4, i * row + row * 0.7);
    ctx.fillText(String(n), left + ((width - left - 50) * n) / max + 4, i * row + row * 0.7);
  });
}

function download(root, name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: name, hidden: true });
  root.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Installs the overlay on the page: Ctrl+Shift+D toggles the panel, Ctrl+Shift+M the
 * dashboard, Escape closes. Returns `{ open(view), close(), refresh(), destroy() }`.
 */
export function installOverlay(cache, options = {}) {
  const refreshMs = options.refreshMs ?? 5000;
  const host = el('div', { id: 'freshet-overlay' });
  const root = host.attachShadow({ mode: 'open' });
  root.append(el('style', {}, STYLE));
  const panel = el('section', { class: 'view', 'data-view': 'panel', role: 'dialog', 'aria-label': 'freshet cache panel', hidden: true });
  const dashboard = el('section', { class: 'view', 'data-view': 'dashboard', role: 'dialog', 'aria-label': 'freshet metrics dashboard', hidden: true });
  root.append(panel, dashboard);
  (options.container ?? document.body).append(host);
  const state = { view: null, range: 300_000, group: 'tier', timer: 0, returnFocus: null };

  const closeButton = () => el('button', { type: 'button', 'aria-label': 'close', onclick: () => close() }, '×');

  function renderPanel() {
    const stats = cache.stats();
    panel.replaceChildren(
      el('header', {}, el('h2', {}, 'freshet · cache panel'), el('span', { class: 'empty' }, 'Ctrl+Shift+D'), closeButton()),
      hitTiles(stats),
      el('div', { class: 'controls' },
        el('button', { type: 'button', 'data-action': 'clear-memory', onclick: () => { cache.clear({ storage: false }); refresh(); } }, 'Clear memory'),
        el('button', { type: 'button', 'data-action': 'clear-storage', onclick: () => { cache.clear({ memory: false }); refresh(); } }, 'Clear storage'),
        el('button', { type: 'button', 'data-action': 'clear-metrics', onclick: () => { cache.clearMetrics(); refresh(); } }, 'Clear metrics'),
        el('button', { type: 'button', 'data-action': 'refresh', onclick: () => refresh() }, 'Refresh')),
      el('h3', {}, 'Entries'), entryRows(cache),
      el('h3', {}, 'Recent events'), eventRows(cache.events(RECENT_EVENTS)));
  }

  function renderDashboard() {
    const stats = cache.stats(state.range);
    const alerts = cache.alerts();
    const seriesCanvas = el('canvas', { 'aria-label': 'events over time', role: 'img' });
    const groupCanvas = el('canvas', { 'aria-label': `counts by ${state.group}`, role: 'img' });
    const select = (label, choices, value, onchange) => el('label', {}, `${label} `,
      el('select', { onchange: (e) => onchange(e.target.value) },
        choices.map(([text, v]) => el('option', { value: v, selected: String(v) === String(value) }, text))));
    dashboard.replaceChildren(
      el('header', {}, el('h2', {}, 'freshet · metrics dashboard'), el('span', { class: 'empty' }, 'Ctrl+Shift+M'), closeButton()),
      el('div', { class: 'controls' },
        select('range', RANGES, state.range, (v) => { state.range = Number(v); refresh(); }),
        select('group by', GROUPS.map(([v, t]) => [t, v]), state.group, (v) => { state.group = v; refresh(); }),
        el('button', { type: 'button', 'data-action': 'export-json', onclick: () => download(root, 'freshet-metrics.json', cache.exportMetrics('json'), 'application/json') }, 'Export JSON'),
        el('button', { type: 'button', 'data-action': 'export-csv', onclick: () => download(root, 'freshet-metrics.csv', cache.exportMetrics('csv'), 'text/csv') }, 'Export CSV')),
      el('div', { class: 'tiles' },
        tile('hit rate', 'hitRate', stats.hitRate, pct(stats.hitRate)),
        tile('p50', 'latency.p50', stats.latency.p50, ms(stats.latency.p50)),
        tile('p95', 'latency.p95', stats.latency.p95, ms(stats.latency.p95)),
        tile('p99', 'latency.p99', stats.latency.p99, ms(stats.latency.p99)),
        tile('invalidation rate', 'invalidationRate', stats.invalidationRate, pct(stats.invalidationRate)),
        tile('error rate', 'errorRate', stats.errorRate, pct(stats.errorRate)),
        tile('deduplicated', 'deduplicated', stats.deduplicated, String(stats.deduplicated)),
        tile('discarded', 'discarded', stats.discarded, String(stats.discarded)),
        tile('prefetch used', 'prefetchUseRate', stats.prefetchUseRate, pct(stats.prefetchUseRate)),
        tile('storage bytes', 'storageBytes', stats.storageBytes, String(stats.storageBytes))),
      el('h3', {}, 'Over time'), seriesCanvas,
      el('h3', {}, `By ${GROUPS.find(([v]) => v === state.group)[1].toLowerCase()}`), groupCanvas,
      el('h3', {}, 'Alerts'),
      alerts.length === 0 ? el('p', { class: 'empty' }, 'healthy') : el('table', {}, alerts.map((a) => el('tr', { 'data-alert': a.id },
        el('td', { class: a.level }, a.level), el('td', {}, a.message), el('td', {}, a.acknowledged ? 'acknowledged'
          : el('button', { type: 'button', onclick: () => { cache.acknowledgeAlert(a.id); refresh(); } }, 'Acknowledge'))))));
    drawSeries(seriesCanvas, stats);
    drawGroups(groupCanvas, groups(cache, stats, cache.events(), state.group));
  }

  function refresh() {
    try {
      if (state.view === 'panel') renderPanel();
      if (state.view === 'dashboard') renderDashboard();
    } catch (error) {
      // The cache was destroyed or freed under the overlay: say so once, rather than throw
      // into the page every refresh.
      clearInterval(state.timer);
      const view = state.view === 'panel' ? panel : dashboard;
      view.replaceChildren(
        el('header', {}, el('h2', {}, 'freshet'), closeButton()),
        el('p', { class: 'empty', 'data-error': error?.code ?? '' }, `The cache cannot be read: ${error?.message ?? error}`));
    }
  }

  function open(view) {
    if (state.view === null) state.returnFocus = document.activeElement;
    state.view = view;
    panel.hidden = view !== 'panel';
    dashboard.hidden = view !== 'dashboard';
    refresh();
    clearInterval(state.timer);
    state.timer = setInterval(refresh, refreshMs);
    (view === 'panel' ? panel : dashboard).querySelector('button, select')?.focus();
  }

  function close() {
    if (state.view === null) return;
    state.view = null;
    panel.hidden = dashboard.hidden = true;
    clearInterval(state.timer);
    state.returnFocus?.focus?.();
  }

  function onKey(event) {
    if (event.key === 'Escape' && state.view !== null) {
      close();
      return;
    }
    if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return;
    const view = event.code === 'KeyD' ? 'panel' : event.code === 'KeyM' ? 'dashboard' : null;
    if (view === null) return;
    event.preventDefault();
    if (state.view === view) close();
    else open(view);
  }
  window.addEventListener('keydown', onKey);

  return {
    open,
    close,
    refresh,
    destroy() {
      close();
      window.removeEventListener('keydown', onKey);
      host.remove();
    },
  };
}
