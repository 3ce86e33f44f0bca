// 我的网格: every rental house in the grid worker's grid with its colour, status and last visit, least recently
// visited first (the patrol order: Longgang walks green every 3 weeks, yellow every 2); a colour filter on top.
import { api } from '../api.js';
import { h, show } from '../dom.js';
import { formatTime, t } from '../i18n.js';

export const COLOURS = ['red', 'yellow', 'grey', 'green'];
// In a list every address starts with the same province, city and county: drop them (the record keeps them).
const COUNTY = /^[\u4e00-\u9fa5]{2,8}?省[\u4e00-\u9fa5]{2,8}?市[\u4e00-\u9fa5]{1,8}?[县区市](?=.)/u;
export const place = (x) => [x.address, x.unit_label].filter(Boolean).join(' ');
export const shortPlace = (x) => place(x).replace(COUNTY, '');
export const colourTag = (colour) => h('span', { class: `dot ${colour}`, 'data-colour': colour }, t(`colour.${colour}`));

// Days between patrols by colour (Shenzhen-Longgang's rhythm; orange weekly is our red).
const PATROL_DAYS = { green: 21, yellow: 14, red: 7 };
const DAY_MS = 86_400_000;

/** Due for a visit: never visited, or longer ago than its colour allows (grey houses wait for verification). */
export function patrolDue(house, now = Date.now()) {
  const every = PATROL_DAYS[house.colour];
  if (!every) return false;
  return !house.last_visit_at || now - Date.parse(house.last_visit_at) > every * DAY_MS;
}

/** One house in a staff list: colour, address, status, occupancy, last visit; opens the house record. */
export function houseItem(house, { patrol = false } = {}) {
  return h('li', { 'data-house-id': house.id, 'data-colour': house.colour },
    h('a', { href: `#/house/${house.id}` },
      colourTag(house.colour), ' ', h('strong', {}, shortPlace(house)), h('br'),
      h('span', { class: 'muted' }, [
        t(`house.status.${house.status}`),
        t('staff.occupancy', { n: house.occupants_count, max: house.max_occupants ?? '?' }),
        house.last_visit_at ? t('staff.last_visit', { time: formatTime(Date.parse(house.last_visit_at)) }) : t('staff.never_visited'),
      ].join(' · ')),
      patrol && patrolDue(house) ? [' ', h('span', { class: 'tag', 'data-patrol-due': '' }, t('staff.patrol_due'))] : null,
    ),
  );
}

const byLastVisit = (a, b) => (a.last_visit_at || '').localeCompare(b.last_visit_at || '') || a.id - b.id;

export async function gridHousesScreen(ctx, query) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const { houses } = await api('/api/v1/houses?limit=500');
  const wanted = query?.get('colour');
  const counts = Object.fromEntries(COLOURS.map((c) => [c, houses.filter((x) => x.colour === c).length]));
  const filters = h('p', { class: 'filters', id: 'colour-filter' },
    h('a', { href: '#/grid-houses', class: wanted ? 'chip' : 'chip on' }, t('staff.all', { n: houses.length })),
    COLOURS.filter((c) => counts[c]).map((c) =>
      h('a', { href: `#/grid-houses?colour=${c}`, class: `chip ${c}${wanted === c ? ' on' : ''}`, 'data-filter': c },
        t('staff.colour_count', { colour: t(`colour.${c}`), n: counts[c] }))),
  );
  const shown = houses.filter((x) => !wanted || x.colour === wanted).sort(byLastVisit);
  show(
    h('h1', {}, t('menu.grid_houses')),
    h('p', { class: 'muted' }, [ctx.session.user.region?.name, t('staff.patrol_order')].filter(Boolean).join(' · ')),
    filters,
    shown.length ? h('ul', { class: 'list', id: 'grid-houses' }, shown.map((x) => houseItem(x, { patrol: true }))) : h('p', { class: 'muted', id: 'grid-houses' }, t('staff.no_houses')),
  );
}
