// 承租入住: a tenant at the door checks in. Online only: personal data (name, ID number, phone) is never kept on
// the phone — not in the outbox, not in a cache (the service worker does not cache tenancies either).
import { api } from '../api.js';
import { h, show, showFieldErrors } from '../dom.js';
import { t } from '../i18n.js';
import { plateCard } from './plate.js';

const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

export async function checkInScreen(ctx, token) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const plate = await api(`/api/v1/doorplates/${encodeURIComponent(token)}`);
  const card = plateCard(plate.card);
  const { user } = ctx.session;
  let next;
  if (!plate.card.accepts_check_in) {
    next = h('p', { class: 'error', id: 'not-accepting' }, t('checkin.not_accepting'));
  } else if (!user) {
    const back = encodeURIComponent(`#/check-in/${token}`);
    next = [
      h('p', {}, t('checkin.login_first')),
      h('a', { class: 'btn', href: `#/login?next=${back}` }, t('login.submit')),
    ];
  } else if (user.role !== 'tenant') {
    next = h('p', { class: 'muted' }, t('checkin.tenants_only'));
  } else {
    next = checkInForm(token);
  }
  show(h('h1', {}, t('checkin.title')), card, next);
}

function field(name, attrs = {}) {
  return [h('label', { for: `ci-${name}` }, t(`checkin.field.${name}`)), h('input', { id: `ci-${name}`, name, ...attrs })];
}

function checkInForm(token) {
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { id: 'check-in', novalidate: true },
    h('p', { class: 'muted' }, t('checkin.privacy')),
    field('name', { autocomplete: 'off', required: true }),
    field('id_number', { autocomplete: 'off', autocapitalize: 'characters', required: true, maxlength: '18' }),
    field('phone', { type: 'tel', autocomplete: 'off', inputmode: 'numeric', required: true, maxlength: '11' }),
    field('room', { autocomplete: 'off' }),
    field('move_in', { type: 'date', value: today(), required: true }),
    summary,
    h('button', { type: 'submit' }, t('checkin.submit')),
  );
  // A retry of the same answers after a lost response reuses the key: the server then replays, never doubles.
  let attempt = { body: null, key: null };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.textContent = '';
    showFieldErrors(form, {});
    if (!navigator.onLine) {
      summary.textContent = t('checkin.needs_network');
      return;
    }
    const value = (name) => form.elements.namedItem(name).value.trim(); // not form.name: that is the form's own
    const body = { name: value('name'), id_number: value('id_number').toUpperCase(), phone: value('phone'), move_in: value('move_in') };
    if (value('room')) body.room = value('room');
    const same = JSON.stringify(body) === attempt.body;
    attempt = { body: JSON.stringify(body), key: same ? attempt.key : crypto.randomUUID() };
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const tenancy = await api(`/api/v1/doorplates/${encodeURIComponent(token)}/check-in`, {
        method: 'POST',
        body,
        headers: { 'Idempotency-Key': attempt.key },
      });
      form.reset(); // the answers leave the page as soon as the server has them
      form.replaceWith(done(tenancy));
    } catch (err) {
      const rest = showFieldErrors(form, err.fields);
      const extra = Object.values(rest).join(' ');
      summary.textContent = err.code === 'offline' ? t('checkin.needs_network') : [err.message, extra].filter(Boolean).join(' ');
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function done(tenancy) {
  return h(
    'div',
    { id: 'check-in-done', 'data-status': tenancy.status },
    h('p', { class: 'ok' }, h('strong', {}, t(`checkin.status.${tenancy.status}`))),
    h('p', { class: 'muted' }, t('checkin.pending_help')),
    h('a', { class: 'btn secondary', href: '#/' }, t('nav.home')),
  );
}
