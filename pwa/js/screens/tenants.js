// 待确认租客: tenants who checked in at one of my doors and wait for my decision. Masked data only; online only
// (tenancies are never cached on the phone). Stable selectors for tests: li[data-tenancy-id], button[data-action],
// [data-conflict] (an identity conflict: refuse only).
import { api } from '../api.js';
import { h, show, toast } from '../dom.js';
import { t } from '../i18n.js';
import { writer } from '../write.js';

export async function tenantsScreen() {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const { tenancies } = await api('/api/v1/tenancies?status=pending');
  const list = h('ul', { class: 'list', id: 'tenants' }, tenancies.map(tenantItem));
  show(
    h('h1', {}, t('tenants.title')),
    h('p', { class: 'muted' }, t('tenants.help')),
    tenancies.length ? list : h('p', { class: 'muted', id: 'tenants-empty' }, t('tenants.empty')),
  );
}

function tenantItem(tenancy) {
  const { person } = tenancy;
  const status = h('p', { class: 'status', role: 'status' });
  const confirm = writer(`/api/v1/tenancies/${tenancy.id}/confirm`);
  const refuse = writer(`/api/v1/tenancies/${tenancy.id}/refuse`);
  const reason = h('input', { name: 'reason', id: `reason-${tenancy.id}`, maxlength: '200', autocomplete: 'off' });
  // An open conflict (the ID number is registered with another name or phone) is the police's or township's to
  // settle: the landlord may refuse it, not confirm it (the server answers 409 tenancy_conflict anyway).
  const conflict = tenancy.conflict === 'open';
  const buttons = h('div', { class: 'row' },
    conflict ? null : h('button', { type: 'button', 'data-action': 'confirm', onclick: () => decide(confirm, {}) }, t('tenants.confirm')),
    h('button', { type: 'button', class: 'secondary', 'data-action': 'refuse', onclick: () => decide(refuse, refuseBody()) }, t('tenants.refuse')),
  );
  const li = h('li', { 'data-tenancy-id': tenancy.id, 'data-status': tenancy.status, class: 'card' },
    h('strong', {}, tenancy.address),
    h('p', { class: 'muted' }, [tenancy.room ? t('tenants.room', { room: tenancy.room }) : null, t('tenants.move_in', { date: tenancy.move_in })].filter(Boolean).join(' · ')),
    h('p', { class: 'person' }, `${person.name} · ${person.id_number} · ${person.phone}`),
    tenancy.duplicate_elsewhere ? h('p', { class: 'tag', 'data-duplicate': '' }, t('tenants.duplicate_elsewhere')) : null,
    conflict ? h('p', { class: 'tag', 'data-conflict': '' }, t('tenants.conflict')) : null,
    conflict && tenancy.presented ? h('p', { class: 'muted', 'data-presented': '' }, t('tenants.presented', tenancy.presented)) : null,
    h('label', { for: reason.id }, t('tenants.reason')),
    reason,
    buttons,
    status,
  );

  function refuseBody() {
    const text = reason.value.trim();
    return text ? { reason: text } : {};
  }

  async function decide(send, body) {
    for (const b of buttons.querySelectorAll('button')) b.disabled = true;
    status.textContent = '';
    try {
      const done = await send(body);
      li.dataset.status = done.status;
      buttons.remove();
      reason.previousSibling?.remove();
      reason.remove();
      status.className = 'ok';
      status.textContent = t(`tenants.done.${done.status}`);
      toast(status.textContent);
    } catch (err) {
      status.className = 'error';
      status.textContent = err.message;
      if (err.code === 'tenancy_not_pending') buttons.remove(); // decided elsewhere (another phone, the web)
      else for (const b of buttons.querySelectorAll('button')) b.disabled = false;
    }
  }
  return li;
}
