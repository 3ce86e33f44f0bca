// Choose my password (#/password): required after signing in with a one-time password (the server refuses every
// other request until then), open to any signed-in account otherwise. Then where the user was going (?next=).
import { api } from '../api.js';
import { h, show, showFieldErrors, toast } from '../dom.js';
import { t } from '../i18n.js';
import { afterLogin } from './login.js';

export async function passwordScreen(ctx, query) {
  const next = afterLogin(query.get('next'));
  const forced = ctx.session.mustChangePassword;
  const message = h('p', { class: 'error', role: 'alert' });
  const field = (name, label, autocomplete) => [
    h('label', { for: `pw-${name}` }, label),
    h('input', { id: `pw-${name}`, name, type: 'password', autocomplete, required: true }),
  ];
  const form = h(
    'form',
    { id: 'password-form', novalidate: true },
    field('current', t(forced ? 'password.one_time' : 'password.current'), 'current-password'),
    field('new', t('password.new'), 'new-password'),
    field('again', t('password.again'), 'new-password'),
    message,
    h('button', { type: 'submit' }, t('password.submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { current, new: fresh, again } = form.elements;
    message.textContent = '';
    showFieldErrors(form, {});
    if (fresh.value !== again.value) {
      showFieldErrors(form, { again: t('password.mismatch') });
      return;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await api('/api/v1/me/password', { method: 'POST', body: { current: current.value, new: fresh.value } });
      ctx.session.mustChangePassword = false;
      toast(t('password.changed'));
      ctx.navigate(forced ? next : '#/');
    } catch (err) {
      showFieldErrors(form, err.fields);
      message.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  show(
    h('h1', {}, t('password.title')),
    forced ? h('p', { class: 'banner muted', id: 'password-required' }, t('password.required')) : null,
    form,
    h('button', { class: 'secondary', type: 'button', id: 'logout', onclick: () => ctx.logOut() }, t('logout.button')),
  );
}
