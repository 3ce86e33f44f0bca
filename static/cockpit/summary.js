// The summary of the region shown: the key figures, the colour bar, and its child regions as a table and a stacked
// bar chart (a click on either drills down), with the breadcrumbs above.
import { $, api, cell, COLOURS, header, T } from './core.js';

const KPIS = [
  ['houses', (s) => s.houses.total],
  ['active_tenants', (s) => s.tenants.active],
  ['check_ins', (s) => s.tenants.check_ins],
  ['check_outs', (s) => s.tenants.check_outs],
  ['backlog', (s) => s.verification.backlog],
  ['hours_median', (s) => s.verification.hours_to_verify.median ?? '–'],
  ['hours_p90', (s) => s.verification.hours_to_verify.p90 ?? '–'],
  ['plates_active', (s) => s.doorplates.active],
  ['plates_revoked', (s) => s.doorplates.revoked],
  ['plates_printed', (s) => s.doorplates.printed],
  ['notices_open', (s) => s.notices.open],
  ['notices_overdue', (s) => s.notices.overdue],
  ['obligations_overdue', (s) => s.obligations.overdue],
];

export async function summary(cockpit) {
  const { state } = cockpit;
  const s = await api('cockpit/summary', { region: cockpit.region(), from: state.from, to: state.to });
  if (!state.stack.length && s.region) state.stack.push({ code: s.region.code, name: s.region.name });
  state.level = s.region?.level ?? 'all';
  crumbs(cockpit);
  kpis(s);
  // The summary's counts are those of the last aggregate refresh (cron); say when that was.
  $('#as-of').textContent = s.as_of ? T('cockpit.page.as_of', { at: s.as_of.slice(0, 16).replace('T', ' ') }) : '';
  childrenTable(cockpit, s.children);
  childrenChart(cockpit, s.children);
  $('#up').hidden = state.stack.length < 2;
}

function kpis(s) {
  const cards = KPIS.map(([key, value]) => {
    const card = document.createElement('div');
    card.className = 'kpi';
    card.dataset.kpi = key;
    card.innerHTML = '<strong></strong><span></span>';
    card.querySelector('strong').textContent = value(s);
    card.querySelector('span').textContent = T(`cockpit.page.${key}`);
    return card;
  });
  $('#kpis').replaceChildren(...cards, colourBar(s.houses.by_colour));
}

function colourBar(byColour) {
  const bar = document.createElement('div');
  bar.className = 'kpi colours';
  for (const [colour, hex] of Object.entries(COLOURS)) {
    const part = document.createElement('span');
    part.style.background = hex;
    part.title = T(`cockpit.page.colour.${colour}`);
    part.textContent = byColour[colour] ?? 0;
    part.dataset.colour = colour;
    bar.append(part);
  }
  return bar;
}

function crumbs(cockpit) {
  const { stack } = cockpit.state;
  const links = stack.map((r, i) => {
    const a = document.createElement('a');
    a.href = '#';
    a.textContent = r.name;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      stack.length = i + 1;
      cockpit.refresh();
    });
    return a;
  });
  $('#crumbs').replaceChildren(...links);
}

function childrenTable(cockpit, children) {
  const head = ['region', 'houses', ...Object.keys(COLOURS).map((c) => `colour.${c}`), 'active_tenants'];
  header('#children', head.map((k) => `cockpit.page.${k}`));
  const rows = children.map((c) => {
    const row = document.createElement('tr');
    row.dataset.code = c.code;
    row.tabIndex = 0;
    row.append(cell('td', c.name), cell('td', c.houses.total));
    for (const colour of Object.keys(COLOURS)) row.append(cell('td', c.houses.by_colour[colour] ?? 0));
    row.append(cell('td', c.tenants.active));
    row.addEventListener('click', () => cockpit.drill(c.code, c.name));
    row.addEventListener('keydown', (e) => e.key === 'Enter' && cockpit.drill(c.code, c.name));
    return row;
  });
  $('#children tbody').replaceChildren(...rows);
}

function childrenChart(cockpit, children) {
  const chart = cockpit.charts.children;
  chart.setOption(
    {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 50 },
      xAxis: { type: 'category', data: children.map((c) => c.name), axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: Object.entries(COLOURS).map(([colour, hex]) => ({
        name: T(`cockpit.page.colour.${colour}`),
        type: 'bar',
        stack: 'houses',
        itemStyle: { color: hex },
        data: children.map((c) => c.houses.by_colour[colour] ?? 0),
      })),
    },
    true,
  );
  chart.off('click');
  chart.on('click', (p) => cockpit.drill(children[p.dataIndex].code, children[p.dataIndex].name));
}
