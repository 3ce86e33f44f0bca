// 每月在住人员确认: the monthly confirmation that the people registered in each of my houses still live there.
// Done here, or by scanning the doorplate at the door (刷码履约: the scan counts as having been there).
import { api } from '../api.js';
import { h, show, toast } from '../dom.js';
import { t } from '../i18n.js';
import { writer } from '../write.js';

export async function monthlyScreen() {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const [{ obligations }, { houses }] = await Promise.all([api('/api/v1/obligations'), api('/api/v1/houses')]);
  const address = new Map(houses.map((x) => [x.id, [x.address, x.unit_label].filter(Boolean).join(' ')]));
  const due = obligations.filter((o) => o.kind === 'occupant_confirmation');
  show(
    h('h1', {}, t('menu.monthly')),
    h('p', { class: 'muted' }, t('landlord.monthly.help')),
    due.length ? h('ul', { class: 'list', id: 'monthly' }, due.map((o) => item(o, address.get(o.house_id))))
      : h('p', { class: 'muted', id: 'monthly-empty' }, t('landlord.monthly.empty')),
    h('p', { class: 'muted', id: 'monthly-scan' }, t('landlord.monthly.by_scan')),
    h('a', { class: 'btn secondary', href: '#/scan' }, t('landlord.monthly.scan')),
  );
}

function item(o, address) {
  const status = h('p', { role: 'status' });
  const fulfil = writer(`/api/v1/obligations/${o.id}/fulfil`);
  const button = h('button', { type: 'button', 'data-action': 'fulfil' }, t('landlord.monthly.confirm'));
  const li = h('li', { 'data-obligation-id': o.id, 'data-state': o.state, class: 'card' },
    h('strong', {}, address || `#${o.house_id}`),
    h('p', { class: o.state === 'overdue' ? 'error' : 'muted' }, t(`landlord.obligation.state.${o.state}`, { date: o.due_date })),
    h('a', { class: 'inline', href: `#/houses/${o.house_id}` }, t('landlord.monthly.check_people')),
    button,
    status,
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const done = await fulfil({});
      li.dataset.state = done.state;
      button.remove();
      status.className = 'ok';
      status.textContent = t('landlord.monthly.done', { date: done.next.due_date });
      toast(status.textContent);
    } catch (err) {
      status.className = 'error';
      status.textContent = err.message;
      button.disabled = false;
    }
  });
  return li;
}

/** On a scanned doorplate of my own house: the monthly confirmation done at the door (counts as via scan). */
export async function atTheDoor(plate) {
  if (!plate.house) return null;
  const { obligations } = await api('/api/v1/obligations').catch(() => ({ obligations: [] }));
  const due = obligations.find((o) => o.kind === 'occupant_confirmation' && o.house_id === plate.house.id);
  if (!due) return null;
  const status = h('p', { role: 'status' });
  const fulfil = writer(`/api/v1/obligations/${due.id}/fulfil`);
  const button = h('button', { type: 'button', 'data-action': 'fulfil-at-door' }, t('landlord.monthly.confirm_here'));
  const box = h('section', { class: 'card', id: 'at-the-door', 'data-obligation-id': due.id, 'data-state': due.state },
    h('p', {}, h('strong', {}, t('landlord.obligation.kind.occupant_confirmation')), ' · ',
      h('span', { class: due.state === 'overdue' ? 'error' : 'muted' }, t(`landlord.obligation.state.${due.state}`, { date: due.due_date }))),
    button, status);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const done = await fulfil({ token: plate.token });
      box.dataset.state = done.state;
      box.dataset.via = done.via;
      button.remove();
      status.className = 'ok';
      status.textContent = t('landlord.monthly.done', { date: done.next.due_date });
    } catch (err) {
      status.className = 'error';
      status.textContent = err.message;
      button.disabled = false;
    }
  });
  return box;
}
