// The week's visit list (走访清单) of one grid worker of the region, in the API's walking order, drawn on the map.
// Supervisors pick the worker (grouped by grid) among those of the region shown; a grid worker gets their own.
import { $, api, cell, COLOURS, config, header, T } from './core.js';
import { drawRoute } from './map.js';

const COLUMNS = ['visit_order', 'address', 'visit_colour', 'visit_reasons', 'visit_days', 'visit_leg'];
let asked = 0; // only the latest request draws: a drill-down may overtake a slow answer

export async function visits(cockpit, reloadWorkers = true) {
  if (!$('#visits-card')) return;
  const ask = ++asked;
  showRoute(cockpit, null);
  visitState('loading', T('cockpit.page.visit_loading'));
  try {
    const select = $('#visit-worker');
    if (select && reloadWorkers) {
      const { workers } = await api('cockpit/visits/workers', { region: cockpit.region() });
      if (ask !== asked) return;
      workerOptions(select, workers);
      if (!workers.length) return visitState('no_workers', T('cockpit.page.visit_no_workers'));
    }
    const v = await api('cockpit/visits', { worker: select?.value ?? '' });
    if (ask !== asked) return;
    $('#visits-meta').textContent = summaryLine(v, select);
    if (!v.stops.length) return visitState('empty', T('cockpit.page.visit_empty'));
    $('#visits tbody').replaceChildren(...v.stops.map(visitRow));
    $('#visits-card').dataset.state = 'ready';
    showRoute(cockpit, v);
  } catch (err) {
    if (ask === asked) visitState('error', T('cockpit.page.visit_failed', { message: err.message }));
  }
}

function showRoute(cockpit, list) {
  cockpit.route = list; // the list shown ({start, stops}), drawn on the map
  drawRoute(cockpit);
}

function summaryLine(v, select) {
  const grid = select?.selectedOptions[0]?.parentElement.label ?? config.user.region?.name ?? v.worker.grid;
  const until = new Date(Date.parse(v.until) - 1).toISOString().slice(0, 10); // the week's last day
  return T('cockpit.page.visit_summary', {
    worker: v.worker.display_name, grid, until, n: v.stops.length, km: (v.total_m / 1000).toFixed(1),
  });
}

function workerOptions(select, workers) {
  const keep = select.value;
  const groups = new Map();
  for (const w of workers) {
    if (!groups.has(w.grid.code)) groups.set(w.grid.code, Object.assign(document.createElement('optgroup'), { label: w.grid.name }));
    groups.get(w.grid.code).append(new Option(w.display_name, w.id));
  }
  select.replaceChildren(...groups.values());
  if (workers.some((w) => String(w.id) === keep)) select.value = keep;
  select.disabled = !workers.length;
}

// The card's state (loading, no_workers, empty, error) as one row across the table.
function visitState(state, message) {
  $('#visits-card').dataset.state = state;
  header('#visits', COLUMNS.map((k) => `cockpit.page.${k}`));
  if (state !== 'empty') $('#visits-meta').textContent = '';
  const row = Object.assign(document.createElement('tr'), { innerHTML: `<td colspan="${COLUMNS.length}"></td>` });
  row.firstChild.textContent = message;
  row.firstChild.className = state === 'error' ? 'error' : 'muted';
  $('#visits tbody').replaceChildren(row);
}

function visitRow(stop) {
  const row = document.createElement('tr');
  row.dataset.house = stop.house.id;
  row.dataset.colour = stop.house.colour;
  const dot = Object.assign(document.createElement('span'), { className: 'dot', title: T(`cockpit.page.colour.${stop.house.colour}`) });
  dot.style.background = COLOURS[stop.house.colour] ?? '#999';
  const colour = cell('td', '');
  colour.append(dot);
  const reasons = cell('td', '');
  reasons.append(...stop.reasons.map((r) => Object.assign(cell('div', r.text), { title: T(`cockpit.kind.${r.kind}`) })));
  row.append(
    cell('td', stop.order),
    cell('td', `${stop.house.address} ${stop.house.unit_label || ''}`.trim()),
    colour,
    reasons,
    cell('td', stop.days_since_visit ?? '–'),
    cell('td', Math.round(stop.leg_m)),
  );
  return row;
}
