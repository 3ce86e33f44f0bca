// 我的出租房: my houses with their colour, status, capacity and doorplate short code; one house in full (its
// notices, obligations and the people living there, masked).
import { api } from '../api.js';
import { h, show } from '../dom.js';
import { t } from '../i18n.js';
import { countdown } from './notices.js';

export const chip = (colour) => h('span', { class: `chip ${colour}`, 'data-colour': colour }, t(`colour.${colour}`));
const place = (x) => [x.address, x.unit_label].filter(Boolean).join(' ');

/** An obligation of the house; the landlord's own (the monthly confirmation) links to where it is done. */
function obligationLine(o) {
  const parts = [t(`landlord.obligation.kind.${o.kind}`), ' · ',
    h('span', { class: o.state === 'overdue' ? 'error' : 'muted' }, t(`landlord.obligation.state.${o.state}`, { date: o.due_date }))];
  return o.kind === 'occupant_confirmation' ? h('a', { href: '#/monthly' }, parts) : h('p', {}, parts);
}

export async function housesScreen() {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const { houses } = await api('/api/v1/houses');
  const items = houses.map((house) =>
    h('li', { 'data-house-id': house.id, 'data-status': house.status },
      h('a', { href: `#/houses/${house.id}` },
        h('p', { class: 'row-top' }, chip(house.colour), ' ', h('strong', {}, place(house))),
        h('span', { class: 'muted' }, [
          t(`house.status.${house.status}`),
          t('landlord.houses.occupancy', { n: house.occupants_count, max: house.max_occupants ?? '?' }),
          house.short_code ? t('landlord.houses.short_code', { code: house.short_code }) : null,
        ].filter(Boolean).join(' · ')),
      ),
    ),
  );
  show(
    h('h1', {}, t('landlord.houses.title')),
    items.length ? h('ul', { class: 'list', id: 'houses' }, items) : h('p', { class: 'muted', id: 'houses-empty' }, t('landlord.houses.empty')),
    h('a', { class: 'btn', href: '#/declare' }, t('menu.declare')),
  );
}

export async function houseScreen(ctx, id) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const [card, { notices }] = await Promise.all([api(`/api/v1/houses/${id}`), api(`/api/v1/notices?house=${id}`)]);
  const { doorplate } = card;
  show(
    h('h1', {}, t('landlord.house.title')),
    h('section', { class: 'card', id: 'house', 'data-house-id': card.id, 'data-colour': card.colour },
      h('div', { class: `band ${card.colour}` }, h('strong', {}, t(`colour.${card.colour}`)), ' · ', t(`house.status.${card.status}`)),
      h('p', {}, h('strong', {}, place(card))),
      h('p', {}, t('plate.short_code'), ' ', h('span', { class: 'code', id: 'house-code' }, doorplate.short_code), ' ',
        h('span', { class: 'muted' }, t(`landlord.plate.${doorplate.state}`))),
      h('p', { class: 'muted', id: 'house-capacity' }, t('landlord.houses.occupancy', { n: card.occupants_count, max: card.max_occupants ?? '?' })),
      h('p', { class: 'muted' }, [
        card.rent_type ? t(`landlord.rent_type.${card.rent_type}`) : null,
        card.rooms ? t('landlord.house.rooms', { n: card.rooms }) : null,
        card.floor_area ? t('landlord.house.area', { n: card.floor_area }) : null,
      ].filter(Boolean).join(' · ')),
    ),
    h('h2', {}, t('menu.notices')),
    notices.length
      ? h('ul', { class: 'list', id: 'house-notices' }, notices.map((n) =>
        h('li', { 'data-notice-id': n.id }, h('a', { href: `#/notices/${n.id}` },
          h('strong', {}, n.title), h('br'), h('span', { class: 'muted' }, [t(`landlord.notice.status.${n.status}`), countdown(n)].filter(Boolean).join(' · '))))))
      : h('p', { class: 'muted' }, t('landlord.house.no_notices')),
    h('h2', {}, t('landlord.house.obligations')),
    card.obligations.length
      ? h('ul', { class: 'list', id: 'house-obligations' }, card.obligations.map((o) =>
        h('li', { 'data-obligation-id': o.id, 'data-kind': o.kind }, obligationLine(o))))
      : h('p', { class: 'muted' }, t('landlord.house.no_obligations')),
    h('h2', {}, t('landlord.house.tenants')),
    card.occupants.length
      ? h('ul', { class: 'list', id: 'house-tenants' }, card.occupants.map((p) =>
        h('li', { 'data-tenancy-id': p.tenancy_id, 'data-status': p.status },
          h('p', { class: 'person' }, `${p.name} · ${p.id_number} · ${p.phone}`),
          p.conflict === 'open' ? h('p', { class: 'tag', 'data-conflict': '' }, t('tenants.conflict')) : null,
          h('span', { class: 'muted' }, [t(`landlord.tenancy.status.${p.status}`), p.room ? t('tenants.room', { room: p.room }) : null].filter(Boolean).join(' · ')))))
      : h('p', { class: 'muted' }, t('landlord.house.no_tenants')),
    card.occupants.some((p) => p.status === 'pending') ? h('a', { class: 'btn', href: '#/tenants' }, t('menu.tenants')) : null,
    h('a', { class: 'btn secondary', href: '#/houses' }, t('landlord.houses.back')),
  );
}
