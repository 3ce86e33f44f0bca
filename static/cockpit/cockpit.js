// The cockpit page: summary with drill-down, trends, grid choropleth + heat cells, alerts, visit list, exports.
// Every number comes from /api/v1/cockpit/* (the same JSON any client gets); every text from the page's config,
// which the server fills from backend/translations. No CDN, no tile server unless one is configured.
//
// This module signs in or starts the page; each part is a module of its own (summary, trends, map and tiles,
// alerts, visits, exports) working on one shared `cockpit` object: the state, the charts, the map's coordinates,
// and refresh() / drill() to move through the regions.
import { alerts } from './alerts.js';
import { $, api, config, failed, status, T } from './core.js';
import { exports } from './exports.js';
import { map } from './map.js';
import { summary } from './summary.js';
import { tileLayer } from './tiles.js';
import { trends } from './trends.js';
import { visits } from './visits.js';

if (config.user) start();
else $('#login')?.addEventListener('submit', signIn);

// ---- signing in (the page for anonymous visitors) -------------------------------------------------------------------
async function signIn(event) {
  event.preventDefault();
  const response = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: $('#username').value, password: $('#password').value }),
  });
  if (response.ok) return location.reload();
  const body = await response.json().catch(() => ({}));
  $('#login-error').textContent = body?.error?.message || `HTTP ${response.status}`;
}

async function signOut() {
  const me = await api('me');
  await fetch('/api/v1/auth/logout', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
    body: '{}',
  });
  location.reload();
}

// ---- the cockpit (staff) --------------------------------------------------------------------------------------------
function start() {
  const cockpit = create();
  window.menpaiCockpit = { state: cockpit.state, charts: cockpit.charts, toMap: cockpit.toMap }; // for the end-to-end test and the curious
  listen(cockpit);
  cockpit.refresh();
}

function create() {
  const iso = (d) => d.toISOString().slice(0, 10);
  const today = new Date();
  const state = {
    stack: [], // [{code, name}] from the scope's region down to the one shown
    from: iso(new Date(today.getTime() - 83 * 86400e3)), // twelve weeks
    to: iso(today),
  };
  $('#from').value = state.from;
  $('#to').value = state.to;
  const charts = {
    children: echarts.init($('#children-chart')),
    trends: echarts.init($('#trends-chart')),
    map: echarts.init($('#map-chart')),
  };
  const tiles = config.tile_url ? tileLayer(charts.map, config.tile_url) : null;
  const cockpit = {
    state,
    charts,
    tiles,
    // WGS84 → GCJ-02 here only, to lie on a Chinese provider's tiles.
    toMap: (geo) => (tiles ? gcoord.transform(geo, gcoord.WGS84, gcoord.GCJ02) : geo),
    region: () => state.stack.at(-1)?.code ?? '',
    route: null, // the visit list drawn on the map (visits.js)
    mapDrawn: false, // the map has its geo component: a route can be laid on it
    refresh: () => refresh(cockpit),
    drill: (code, name) => {
      state.stack.push({ code, name });
      refresh(cockpit);
    },
  };
  return cockpit;
}

async function refresh(cockpit) {
  status(T('cockpit.page.loading'));
  document.body.dataset.loading = '1';
  try {
    await summary(cockpit); // first: it says where we are (the region and its level)
    await Promise.all([trends(cockpit), map(cockpit), alerts(cockpit), visits(cockpit)]);
    exports(cockpit);
    status('');
  } catch (err) {
    failed(err);
  } finally {
    delete document.body.dataset.loading;
  }
}

function listen(cockpit) {
  const { state, charts } = cockpit;
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
  $('#period').addEventListener('submit', (e) => {
    e.preventDefault();
    state.from = $('#from').value;
    state.to = $('#to').value;
    cockpit.refresh();
  });
  $('#up').addEventListener('click', () => {
    state.stack.pop();
    cockpit.refresh();
  });
  $('#bucket').addEventListener('change', () => trends(cockpit).catch(failed));
  for (const id of ['#grid-measure', '#heat-measure']) $(id).addEventListener('change', () => map(cockpit).catch(failed));
  $('#alert-kind').addEventListener('change', () => alerts(cockpit).then(() => exports(cockpit)));
  $('#export-format').addEventListener('change', () => exports(cockpit));
  $('#visit-worker')?.addEventListener('change', () => visits(cockpit, false).then(() => exports(cockpit)));
  $('#logout').addEventListener('click', signOut);
}
