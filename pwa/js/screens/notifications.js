// 消息提醒: turn notifications of new notices and deadlines on or off on this phone.
import { h, show } from '../dom.js';
import { t } from '../i18n.js';
import { onThisScreen } from '../navigation.js';
import { currentSubscription, pushSupport, turnOff, turnOn } from '../push.js';

export async function notificationsScreen(ctx) {
  const support = pushSupport();
  const state = h('p', { id: 'push-state', role: 'status' });
  const parts = [h('h1', {}, t('menu.notifications')), h('p', { class: 'muted' }, t('landlord.push.help'))];
  if (support !== 'ok') {
    show(...parts, h('p', { id: 'push-unavailable', 'data-reason': support, class: support === 'ios_home_screen' ? null : 'error' }, t(`landlord.push.${support}`)));
    return;
  }
  const on = Boolean(await onThisScreen(currentSubscription().catch(() => null)));
  const button = h('button', { type: 'button', id: 'push-toggle', 'data-on': on ? '1' : '0', class: on ? 'secondary' : null },
    t(on ? 'landlord.push.turn_off' : 'landlord.push.turn_on'));
  state.textContent = t(on ? 'landlord.push.is_on' : 'landlord.push.is_off');
  button.addEventListener('click', async () => {
    button.disabled = true;
    state.className = '';
    state.dataset.busy = '1';
    state.textContent = t('landlord.push.working');
    try {
      await onThisScreen(on ? turnOff() : turnOn()); // subscribing can wait 8 s: a user who left stays where they went
      ctx.navigate('#/notifications');
    } catch (err) {
      delete state.dataset.busy;
      state.className = 'error';
      state.dataset.error = err.code || 'error';
      state.textContent = t(`landlord.push.error.${['denied', 'no_push_service', 'offline'].includes(err.code) ? err.code : 'other'}`);
      button.disabled = false;
    }
  });
  show(...parts, state, button);
}
