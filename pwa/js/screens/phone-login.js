// 手机号登录: a resident signs in with their phone and a code sent by SMS; the first sign-in makes the account.
// Two steps in one form, so the door → check-in path stays on one screen. The phone is kept in memory only (it
// pre-fills the check-in form), never in storage.
import { api } from '../api.js';
import { h, showFieldErrors } from '../dom.js';
import { t } from '../i18n.js';

const CODE_LENGTH = 6;

/** The form; onSignedIn(phone) runs once the session exists. */
export function phoneSignIn(ctx, onSignedIn) {
  const message = h('p', { class: 'error', role: 'alert', id: 'sms-message' });
  const hint = h('p', { class: 'muted', id: 'sms-hint', hidden: true });
  const phone = h('input', {
    id: 'sms-phone', name: 'phone', type: 'tel', inputmode: 'numeric', autocomplete: 'tel-national', required: true, maxlength: '20',
  });
  const code = h('input', {
    id: 'sms-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]*', maxlength: String(CODE_LENGTH),
  });
  const codeField = h('div', { 'data-field': 'code', hidden: true }, h('label', { for: 'sms-code' }, t('sms.code')), code);
  const send = h('button', { type: 'button', id: 'sms-send', class: 'secondary' }, t('sms.send'));
  const submit = h('button', { type: 'submit', id: 'sms-submit', hidden: true }, t('sms.submit'));
  const form = h(
    'form',
    { id: 'sms-login', novalidate: true },
    h('div', { 'data-field': 'phone' }, h('label', { for: 'sms-phone' }, t('sms.phone')), phone),
    send,
    hint,
    codeField,
    message,
    submit,
  );
  let timer = null;

  const countdown = (seconds) => {
    clearInterval(timer);
    let left = Math.max(1, Math.round(seconds));
    send.disabled = true;
    const tick = () => {
      if (left <= 0 || !form.isConnected) {
        clearInterval(timer);
        send.disabled = false;
        send.textContent = t('sms.resend');
        return;
      }
      send.textContent = t('sms.resend_in', { s: left });
      left -= 1;
    };
    tick();
    timer = setInterval(tick, 1000);
  };

  const fail = (err, focus) => {
    const rest = showFieldErrors(form, err.fields);
    message.textContent = Object.keys(err.fields || {}).length && !Object.keys(rest).length ? '' : err.message;
    if (err.status === 429) countdown(Number(err.retryAfter) || 60);
    const invalid = form.querySelector('[aria-invalid="true"]') || focus;
    invalid?.scrollIntoView({ block: 'center' });
    invalid?.focus();
  };

  send.addEventListener('click', async () => {
    message.textContent = '';
    showFieldErrors(form, {});
    if (!navigator.onLine) { message.textContent = t('sms.needs_network'); return; }
    send.disabled = true;
    try {
      await api('/api/v1/auth/sms-code', { method: 'POST', body: { phone: phone.value.trim() } });
      codeField.hidden = false;
      submit.hidden = false;
      hint.hidden = false;
      hint.textContent = t('sms.sent');
      countdown(60);
      code.focus();
    } catch (err) {
      send.disabled = false;
      fail(err, phone);
    }
  });

  const signIn = async () => {
    message.textContent = '';
    showFieldErrors(form, {});
    submit.disabled = true;
    try {
      await ctx.signInWithCode(phone.value.trim(), code.value.trim());
      clearInterval(timer);
      onSignedIn(phone.value.trim());
    } catch (err) {
      code.value = '';
      fail(err, code);
    } finally {
      submit.disabled = false;
    }
  };
  // Six digits typed (or filled from the SMS by the phone's keyboard) sign in: no extra tap.
  code.addEventListener('input', () => { if (code.value.trim().length === CODE_LENGTH && !submit.disabled) signIn(); });
  form.addEventListener('submit', (event) => { event.preventDefault(); signIn(); });
  return form;
}
