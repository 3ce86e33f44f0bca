// A doorplate's card (what a scan shows; staff in scope and its landlord also see the record), and finding a
// plate by the short code printed under its QR code.
import { api } from '../api.js';
import { h, show, showFieldErrors } from '../dom.js';
import { t } from '../i18n.js';
import { atTheDoor } from './monthly.js';

/** The public card: colour, address, short code, registration, capacity, open notices. */
export function plateCard(card) {
  return h(
    'section',
    { class: 'card', 'data-colour': card.colour },
    h('div', { class: `band ${card.colour}` }, h('strong', {}, t(`colour.${card.colour}`))),
    h('p', { class: 'address', id: 'plate-address' }, h('strong', {}, card.address)),
    h('p', {}, t('plate.short_code'), ' ', h('span', { class: 'code', id: 'plate-code' }, card.short_code)),
    h('p', { class: 'muted' }, t(card.registered ? 'plate.registered' : 'plate.not_registered')),
    card.max_occupants ? h('p', { class: 'muted' }, t('plate.max_occupants', { n: card.max_occupants })) : null,
    card.notices?.length
      ? h('ul', { class: 'list' }, card.notices.map((n) => h('li', {}, h('strong', {}, n.title), n.deadline ? ` · ${t('plate.deadline', { date: n.deadline })}` : '')))
      : null,
  );
}

export async function plateScreen(ctx, token) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const plate = await api(`/api/v1/doorplates/${encodeURIComponent(token)}`);
  const record = plate.house
    ? h('p', { class: 'muted', id: 'plate-record' }, t('plate.record', { status: t(`house.status.${plate.house.status}`), scans: plate.doorplate.scans_today }))
    : null;
  const checkIn = ctx.may(['tenant']) && plate.card.accepts_check_in && !plate.house
    ? h('a', { class: 'btn', href: `#/check-in/${plate.token}` }, t('checkin.title'))
    : null;
  // Staff in scope: the house's full record, and for a fire officer the notice form, one tap away.
  const staff = plate.house && ctx.isStaff()
    ? [h('a', { class: 'btn secondary', href: `#/house/${plate.house.id}`, id: 'open-house' }, t('staff.house_title')),
      ctx.session.user.role === 'fire_officer' ? h('a', { class: 'btn', href: `#/house/${plate.house.id}/notice`, id: 'issue-notice' }, t('fire.issue')) : null]
    : null;
  const door = ctx.may(['landlord']) && plate.house ? await atTheDoor(plate) : null; // 刷码履约 at my own door
  show(h('h1', {}, t('plate.title')), plateCard(plate.card), record, checkIn, staff, door);
}

export function findScreen(ctx) {
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { id: 'find', novalidate: true },
    h('label', { for: 'code' }, t('find.label')),
    h('input', { id: 'code', name: 'code', autocomplete: 'off', autocapitalize: 'characters', placeholder: 'ABC-DEF-GHJ', required: true }),
    h('p', { class: 'muted' }, t('find.help')),
    summary,
    h('button', { type: 'submit' }, t('find.submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.textContent = '';
    try {
      const code = form.elements.code.value.trim();
      const plate = await api(`/api/v1/doorplates/by-code/${encodeURIComponent(code)}`);
      const tenant = ctx.session.user?.role === 'tenant';
      ctx.navigate(tenant ? `#/check-in/${plate.token}` : `#/plate/${plate.token}`);
    } catch (err) {
      showFieldErrors(form, err.fields);
      summary.textContent = err.message;
    }
  });
  show(h('h1', {}, t('find.title')), form);
}
