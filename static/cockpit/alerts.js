// The alerts of the region: a chip per kind with its count (a click shows that kind), and the first 50 alerts of
// the kind chosen, each with the house's colour, its address and the reason.
import { $, api, cell, COLOURS, header, T } from './core.js';
import { exports } from './exports.js';

export async function alerts(cockpit) {
  const kind = $('#alert-kind').value;
  const a = await api('cockpit/alerts', { region: cockpit.region(), kind, limit: 50 });
  $('#alert-counts').replaceChildren(...Object.entries(a.counts).map(([k, n]) => chip(cockpit, k, n)));
  header('#alerts', ['export.kind', 'cockpit.page.address', 'cockpit.page.reason']);
  const rows = a.alerts.map(alertRow);
  if (!rows.length) {
    const empty = Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="3"></td>' });
    empty.firstChild.textContent = T('cockpit.page.no_alerts');
    rows.push(empty);
  }
  $('#alerts tbody').replaceChildren(...rows);
}

function chip(cockpit, kind, n) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'chip';
  button.dataset.kind = kind;
  button.textContent = `${T(`cockpit.kind.${kind}`)} ${n}`;
  button.addEventListener('click', () => {
    $('#alert-kind').value = kind;
    alerts(cockpit).then(() => exports(cockpit));
  });
  return button;
}

function alertRow(item) {
  const row = document.createElement('tr');
  row.dataset.reason = item.reason;
  const dot = cell('td', T(`cockpit.kind.${item.kind}`));
  dot.style.borderLeft = `4px solid ${COLOURS[item.house.colour] ?? '#999'}`;
  row.append(dot, cell('td', `${item.house.address} ${item.house.unit_label || ''}`.trim()), cell('td', item.text));
  return row;
}
