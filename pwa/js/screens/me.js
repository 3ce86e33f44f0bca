// 我的信息: a resident's own record on file (一次采集), masked; shown in clear to its holder on a tap (the server
// audits the read; the page forgets it when left); name and phone corrected, the older values kept on the server.
import { api } from '../api.js';
import { h, show, showFieldErrors, toast } from '../dom.js';
import { t } from '../i18n.js';

export async function meScreen(ctx) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  if (!navigator.onLine) {
    show(h('h1', {}, t('menu.me')), h('p', { class: 'error' }, t('me.needs_network')));
    return;
  }
  const record = await api('/api/v1/me/person');
  if (!record.on_file) {
    show(h('h1', {}, t('menu.me')), h('p', { class: 'muted', id: 'me-none' }, t('me.none')));
    return;
  }
  const shown = h('dl', { id: 'me-record' }, rows(record.person));
  const reveal = h('button', { type: 'button', class: 'secondary', id: 'me-reveal' }, t('me.reveal'));
  reveal.addEventListener('click', async () => {
    reveal.disabled = true;
    try {
      shown.replaceChildren(...rows(await api('/api/v1/me/person/reveal', { method: 'POST', body: {} })));
      reveal.hidden = true;
    } catch (err) {
      toast(err.message);
      reveal.disabled = false;
    }
  });
  show(
    h('h1', {}, t('menu.me')),
    shown,
    reveal,
    record.revisions ? h('p', { class: 'muted', id: 'me-revisions' }, t('me.revisions', { n: record.revisions })) : null,
    h('h2', {}, t('me.correct_title')),
    correctForm(ctx),
  );
}

function rows(person) {
  return ['name', 'id_number', 'phone'].flatMap((key) => [h('dt', {}, t(`checkin.field.${key}`)), h('dd', {}, person[key])]);
}

function correctForm(ctx) {
  const summary = h('p', { class: 'error', role: 'alert' });
  const input = (name, attrs) => h('div', { 'data-field': name },
    h('label', { for: `me-${name}` }, t(`me.field.${name}`)), h('input', { id: `me-${name}`, name, autocomplete: 'off', ...attrs }));
  const form = h(
    'form',
    { id: 'me-correct', novalidate: true },
    h('p', { class: 'muted' }, t('me.correct_help')),
    input('name', {}),
    input('phone', { type: 'tel', inputmode: 'numeric', maxlength: '20' }),
    input('reason', { maxlength: '300' }),
    summary,
    h('button', { type: 'submit' }, t('me.correct_submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.textContent = '';
    showFieldErrors(form, {});
    const value = (name) => form.elements.namedItem(name).value.trim();
    const body = Object.fromEntries(['name', 'phone', 'reason'].map((k) => [k, value(k)]).filter(([, v]) => v));
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await api('/api/v1/me/person/correct', { method: 'POST', body, headers: { 'Idempotency-Key': crypto.randomUUID() } });
      form.reset();
      toast(t('me.corrected'));
      await meScreen(ctx);
    } catch (err) {
      const rest = showFieldErrors(form, err.fields);
      summary.textContent = [err.message, ...Object.values(rest)].join(' ');
      const invalid = form.querySelector('[aria-invalid="true"]');
      invalid?.scrollIntoView({ block: 'center' });
      invalid?.focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
