// 我的租住: a tenant's own tenancies, their status and address, and checking out. Online only: the answer holds
// personal data (masked), so the service worker never caches /api/v1/tenancies and nothing is stored here.
import { api } from '../api.js';
import { ask, h, show, toast } from '../dom.js';
import { t } from '../i18n.js';

const OCCUPYING = ['pending', 'active'];

export async function myTenancyScreen(ctx) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  if (!navigator.onLine) {
    show(h('h1', {}, t('menu.my_tenancy')), h('p', { class: 'error', id: 'tenancy-offline' }, t('mytenancy.needs_network')));
    return;
  }
  const { tenancies } = await api('/api/v1/tenancies');
  const items = tenancies.map((tenancy) => item(ctx, tenancy));
  show(
    h('h1', {}, t('menu.my_tenancy')),
    items.length ? h('ul', { class: 'list', id: 'tenancies' }, items) : h('p', { class: 'muted', id: 'tenancies-none' }, t('mytenancy.none')),
    h('a', { class: 'btn secondary', href: '#/scan' }, t('mytenancy.check_in_new')),
  );
}

function item(ctx, tenancy) {
  const dates = [t('mytenancy.move_in', { date: tenancy.move_in })];
  if (tenancy.expected_move_out) dates.push(t('mytenancy.move_out', { date: tenancy.expected_move_out }));
  return h(
    'li',
    { 'data-tenancy': tenancy.id, 'data-status': tenancy.status },
    h('p', {}, h('strong', {}, tenancy.address)),
    h('p', {}, h('span', { class: `tag status-${tenancy.status}` }, t(`mytenancy.status.${tenancy.status}`)), tenancy.room ? ` · ${t('mytenancy.room', { room: tenancy.room })}` : ''),
    h('p', { class: 'muted' }, dates.join(' · ')),
    OCCUPYING.includes(tenancy.status)
      ? h('button', { class: 'secondary check-out', type: 'button', onclick: () => checkOut(ctx, tenancy) }, t('mytenancy.check_out'))
      : null,
  );
}

async function checkOut(ctx, tenancy) {
  if (!(await ask(t('mytenancy.check_out_confirm', { address: tenancy.address }), t('mytenancy.check_out'), t('mytenancy.keep')))) return;
  try {
    // Idempotent on the server; a second try after a lost answer meets 'already ended' (409), never a second change.
    await api(`/api/v1/tenancies/${tenancy.id}/check-out`, { method: 'POST', body: {}, headers: { 'Idempotency-Key': crypto.randomUUID() } });
    toast(t('mytenancy.checked_out'));
  } catch (err) {
    toast(err.code === 'offline' ? t('mytenancy.needs_network') : err.message);
  }
  await myTenancyScreen(ctx);
}
