// House lists for supervisors, police, admins and fire officers: the houses in my scope found by words of the
// address and filtered by status, colour and overdue obligations (GET /houses), a page at a time; each opens the
// house record. The cockpit has the figures.
import { api } from '../api.js';
import { h, show } from '../dom.js';
import { t } from '../i18n.js';
import { COLOURS, houseItem } from './grid-houses.js';

const STATUSES = ['declared', 'active', 'suspended', 'closed', 'rejected', 'withdrawn'];
const PAGE = 50;
export const COCKPIT_URL = '/cockpit';

function select(name, values, chosen, label) {
  return [h('label', { for: `f-${name}` }, t(`lists.${name}`)),
    h('select', { id: `f-${name}`, name },
      h('option', { value: '' }, t('lists.any')),
      values.map((v) => h('option', { value: v, selected: v === chosen }, label(v))))];
}

export async function listsScreen(ctx, query) {
  const filters = {
    q: query?.get('q') || '', status: query?.get('status') || '', colour: query?.get('colour') || '', overdue: query?.get('overdue') === '1',
  };
  const offset = Math.max(0, Number(query?.get('offset')) || 0);
  const form = h('form', { id: 'lists-filter', class: 'filters-form', role: 'search' },
    h('label', { for: 'f-q' }, t('lists.q')),
    h('input', { id: 'f-q', name: 'q', type: 'search', value: filters.q, placeholder: t('lists.q_placeholder'), enterkeyhint: 'search' }),
    h('div', { class: 'row' },
      h('div', {}, select('status', STATUSES, filters.status, (s) => t(`house.status.${s}`))),
      h('div', {}, select('colour', COLOURS, filters.colour, (c) => t(`colour.${c}`)))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'overdue', checked: filters.overdue }), h('span', {}, t('lists.overdue'))),
  );
  const go = (extra = {}) => {
    const params = new URLSearchParams();
    if (form.elements.q.value.trim()) params.set('q', form.elements.q.value.trim());
    const status = form.elements.status.value;
    const colour = form.elements.colour.value;
    if (status) params.set('status', status);
    if (colour) params.set('colour', colour);
    if (form.elements.overdue.checked) params.set('overdue', '1');
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    ctx.navigate(`#/lists${params.size ? `?${params}` : ''}`);
  };
  form.addEventListener('change', () => go());
  form.addEventListener('submit', (event) => { event.preventDefault(); go(); });
  const apiQuery = new URLSearchParams({ limit: String(PAGE + 1), offset: String(offset) });
  if (filters.q) apiQuery.set('q', filters.q);
  if (filters.status) apiQuery.set('status', filters.status);
  if (filters.colour) apiQuery.set('colour', filters.colour);
  if (filters.overdue) apiQuery.set('overdue', '1');
  const results = h('div', { id: 'lists-results' }, h('p', { class: 'muted' }, t('app.loading')));
  show(
    h('h1', {}, t('menu.lists')),
    h('p', { class: 'muted' }, [ctx.session.user.region?.name, t('lists.scope_help')].filter(Boolean).join(' · ')),
    h('a', { class: 'btn secondary', href: COCKPIT_URL, id: 'cockpit-link' }, t('lists.cockpit')),
    form,
    results,
  );
  const { houses } = await api(`/api/v1/houses?${apiQuery}`);
  const more = houses.length > PAGE;
  const page = houses.slice(0, PAGE);
  results.replaceChildren(
    h('p', { class: 'muted', id: 'lists-count' }, page.length
      ? t('lists.showing', { from: offset + 1, to: offset + page.length })
      : t('lists.none')),
    page.length ? h('ul', { class: 'list', id: 'lists' }, page.map((x) => houseItem(x))) : null,
    h('div', { class: 'row' },
      offset ? h('button', { type: 'button', class: 'secondary', onclick: () => go({ offset: Math.max(0, offset - PAGE) }) }, t('lists.previous')) : null,
      more ? h('button', { type: 'button', class: 'secondary', id: 'lists-more', onclick: () => go({ offset: offset + PAGE }) }, t('lists.next')) : null),
  );
}
