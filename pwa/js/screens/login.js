// Log in: residents with their phone and an SMS code (the first time makes the account); staff with username and
// password. Then where the user was going (?next=), e.g. a doorplate they scanned.
import { h, show, showFieldErrors } from '../dom.js';
import { t } from '../i18n.js';
import { phoneSignIn } from './phone-login.js';

/** Where to go after login: an in-app #/ route, or a scanned /d/{token} opened as the in-app card. */
export function afterLogin(next) {
  const plate = /^\/d\/([^/?#]+)$/.exec(next || '');
  if (plate) return `#/plate/${plate[1]}`;
  return next && next.startsWith('#/') && !next.startsWith('#/login') ? next : '#/';
}

export async function loginScreen(ctx, query) {
  const next = afterLogin(query.get('next'));
  if (ctx.session.user) {
    ctx.navigate(next);
    return;
  }
  const message = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { id: 'login', novalidate: true },
    h('label', { for: 'username' }, t('login.username')),
    h('input', { id: 'username', name: 'username', autocomplete: 'username', autocapitalize: 'none', required: true }),
    h('label', { for: 'password' }, t('login.password')),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    message,
    h('button', { type: 'submit' }, t('login.submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    message.textContent = '';
    try {
      await ctx.logIn(form.elements.username.value.trim(), form.elements.password.value);
      ctx.navigate(next);
    } catch (err) {
      showFieldErrors(form, err.fields);
      message.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  const phone = phoneSignIn(ctx, () => ctx.navigate(next));
  show(
    h('h1', {}, t('login.title')),
    h('p', { class: 'muted' }, t('login.resident_help')),
    phone,
    h('section', { id: 'staff-login' }, h('h2', {}, t('login.staff')), form),
  );
}
