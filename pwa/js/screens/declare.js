// 申报领码: the landlord declares a rental — a standard address found by search, the details, camera photos and the
// fire-safety self-check. Online; one client id per answer, so a double tap or a retry never declares twice.
import { api } from '../api.js';
import { h, show, showFieldErrors } from '../dom.js';
import { t } from '../i18n.js';
import { FIRE_SELF_CHECK } from '../self-check.js';
import { writer } from '../write.js';
import { photoPicker } from './photos.js';

const SEARCH_DELAY_MS = 300; // wait for a pause in typing before asking the server
const RENT_TYPES = ['whole', 'shared', 'rooms'];

function field(name, attrs = {}) {
  return [h('label', { for: `d-${name}` }, t(`landlord.declare.${name}`)), h('input', { id: `d-${name}`, name, ...attrs })];
}

/** The address search box: debounced, ranked results; a tap picks one (hidden input address_code). */
function addressPicker() {
  const code = h('input', { type: 'hidden', name: 'address_code', value: '' });
  const box = h('input', { id: 'd-address', type: 'search', autocomplete: 'off', placeholder: t('landlord.declare.address_hint') });
  const results = h('ul', { class: 'list results', id: 'address-results', 'aria-live': 'polite' });
  const chosen = h('p', { id: 'address-chosen', class: 'ok', hidden: true });
  let timer;
  let asked = 0;
  box.addEventListener('input', () => {
    clearTimeout(timer);
    const q = box.value.trim();
    if (q.length < 2) { results.replaceChildren(); return; }
    timer = setTimeout(() => search(q), SEARCH_DELAY_MS);
  });
  async function search(q) {
    const mine = ++asked;
    let found;
    try {
      found = await api(`/api/v1/addresses?q=${encodeURIComponent(q)}&limit=8`);
    } catch (err) {
      results.replaceChildren(h('li', { class: 'error' }, err.message));
      return;
    }
    if (mine !== asked) return; // an older answer arriving late
    results.replaceChildren(...(found.results.length ? found.results.map(option) : [h('li', { class: 'muted' }, t('landlord.declare.no_address'))]));
  }
  function option(a) {
    return h('li', {}, h('button', {
      type: 'button', class: 'link', 'data-address-code': a.code,
      onclick: () => {
        code.value = a.code;
        chosen.textContent = a.full_text;
        chosen.hidden = false;
        box.value = a.full_text;
        results.replaceChildren();
      },
    }, a.full_text));
  }
  return h('div', { 'data-field': 'address_code' },
    h('label', { for: 'd-address' }, t('landlord.declare.address')), box, code, results, chosen);
}

export function declareScreen(ctx) {
  const photos = photoPicker({ name: 'photos', label: t('landlord.declare.add_photo') });
  const summary = h('p', { class: 'error', role: 'alert', id: 'declare-summary' });
  const form = h('form', { id: 'declare', novalidate: true },
    addressPicker(),
    field('unit_label', { autocomplete: 'off', maxlength: '40', placeholder: t('landlord.declare.unit_hint') }),
    h('div', { class: 'row' },
      h('div', {}, field('rooms', { type: 'number', inputmode: 'numeric', min: '1', max: '200', required: true })),
      h('div', {}, field('floor_area', { type: 'number', inputmode: 'decimal', min: '1', step: '0.1', required: true })),
    ),
    field('max_occupants', { type: 'number', inputmode: 'numeric', min: '1', max: '500', required: true }),
    h('label', { for: 'd-rent_type' }, t('landlord.declare.rent_type')),
    h('select', { id: 'd-rent_type', name: 'rent_type' },
      h('option', { value: '' }, t('landlord.declare.choose')),
      RENT_TYPES.map((r) => h('option', { value: r }, t(`landlord.rent_type.${r}`)))),
    h('h2', {}, t('landlord.declare.photos')),
    photos.element,
    h('h2', {}, t('landlord.declare.self_check')),
    h('div', { 'data-field': 'fire_self_check' },
      h('p', { class: 'muted' }, t('landlord.declare.self_check_help')),
      FIRE_SELF_CHECK.map((item) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: `self.${item.id}`, 'data-self-check': item.id }),
        h('span', {}, t(`checklist.fire_self_check.${item.id}`), item.required ? ' *' : '')))),
    summary,
    h('button', { type: 'submit' }, t('landlord.declare.submit')),
  );
  const send = writer('/api/v1/houses');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.textContent = '';
    showFieldErrors(form, {});
    if (photos.busy()) { summary.textContent = t('landlord.photos.wait'); return; }
    const value = (name) => form.elements.namedItem(name).value.trim();
    const number = (name) => (value(name) === '' ? null : Number(value(name)));
    const body = {
      address_code: value('address_code'),
      unit_label: value('unit_label'),
      rooms: number('rooms'),
      floor_area: number('floor_area'),
      max_occupants: number('max_occupants'),
      rent_type: value('rent_type'),
      fire_self_check: Object.fromEntries(FIRE_SELF_CHECK.map((i) => [i.id, form.elements.namedItem(`self.${i.id}`).checked])),
      photos: photos.ids(),
    };
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const house = await send(body);
      show(done(house));
    } catch (err) {
      const rest = showFieldErrors(form, err.fields);
      const duplicate = err.code === 'house_duplicate';
      summary.dataset.code = err.code;
      summary.textContent = [duplicate ? t('landlord.declare.duplicate') : err.message, ...Object.values(rest)].filter(Boolean).join(' ');
      button.disabled = false;
    }
  });
  show(h('h1', {}, t('menu.declare')), h('p', { class: 'muted' }, t('landlord.declare.help')), form);
}

function done(house) {
  return [
    h('h1', {}, t('landlord.declare.done')),
    h('section', { class: 'card', id: 'declared', 'data-house-id': house.id },
      h('p', {}, h('strong', {}, [house.address, house.unit_label].filter(Boolean).join(' '))),
      h('p', {}, t('plate.short_code'), ' ', h('span', { class: 'code' }, house.doorplate.short_code)),
      h('p', { class: 'muted' }, t('landlord.declare.next')),
    ),
    h('a', { class: 'btn', href: `#/houses/${house.id}` }, t('landlord.declare.open_house')),
    h('a', { class: 'btn secondary', href: '#/houses' }, t('landlord.houses.title')),
  ];
}
