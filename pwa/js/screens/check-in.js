// 承租入住: a tenant at the door checks in. Online only: personal data (name, ID number, phone) is never kept on
// the phone — not in the outbox, not in a cache (the service worker does not cache tenancies either).
import { api } from '../api.js';
import { h, show, showFieldErrors } from '../dom.js';
import { t } from '../i18n.js';
import { phoneSignIn } from './phone-login.js';
import { plateCard } from './plate.js';

const CHECKS_IN = ['tenant', 'resident'];

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
    // Signed out: the phone and its code on this screen, then the form in its place (door → done in 3 screens).
    const holder = h('div', { id: 'check-in-step' }, h('p', {}, t('checkin.sign_in_first')));
    holder.append(phoneSignIn(ctx, async (phone) => {
      password.remove(); // signed in now: no other way in is needed
      holder.replaceWith(await checkInForm(token, phone));
    }));
    const back = encodeURIComponent(`#/check-in/${token}`);
    const password = h('a', { class: 'btn secondary', href: `#/login?next=${back}`, id: 'password-login' }, t('checkin.password_login'));
    next = [holder, password];
  } else if (!CHECKS_IN.includes(user.role)) {
    next = h('p', { class: 'muted' }, t('checkin.tenants_only'));
  } else {
    next = await checkInForm(token);
  }
  show(h('h1', {}, t('checkin.title')), card, next);
}

/** 一次采集: the caller's record on file (masked), or null. Online only, like the check-in itself. */
async function onFile() {
  try {
    const record = await api('/api/v1/me/person');
    return record.on_file ? record.person : null;
  } catch {
    return null;
  }
}

function field(name, attrs = {}) {
  return [h('label', { for: `ci-${name}` }, t(`checkin.field.${name}`)), h('input', { id: `ci-${name}`, name, ...attrs })];
}

async function checkInForm(token, phone = '') {
  const summary = h('p', { class: 'error', role: 'alert' });
  const record = await onFile();
  const details = record
    ? [
      h('div', { class: 'on-file', id: 'on-file' },
        h('p', {}, t('checkin.on_file')),
        h('p', {}, h('strong', {}, record.name), ' ', record.id_number, ' ', record.phone),
        h('a', { href: '#/me', class: 'btn secondary' }, t('checkin.correct'))),
    ]
    : [
      h('p', { class: 'muted' }, t('checkin.privacy')),
      field('name', { autocomplete: 'off', required: true }),
      field('id_number', { autocomplete: 'off', autocapitalize: 'characters', required: true, maxlength: '18' }),
      field('phone', { type: 'tel', autocomplete: 'off', inputmode: 'numeric', required: true, maxlength: '11', value: phone }),
    ];
  const form = h(
    'form',
    { id: 'check-in', novalidate: true },
    ...details,
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
    const body = record
      ? { move_in: value('move_in') } // the record on file is used
      : { name: value('name'), id_number: value('id_number').toUpperCase(), phone: value('phone'), move_in: value('move_in') };
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
      const invalid = form.querySelector('[aria-invalid="true"]');
      invalid?.scrollIntoView({ block: 'center' });
      invalid?.focus();
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
