// Web Push for this phone: can it (iPhone only from the Home Screen), is it on, turn it on or off. Push is a bonus
// channel (the inbox and SMS carry every notice too): in mainland China the push service is often unreachable.
import { api } from './api.js';

// Chromium's subscribe() waits, without failing, for a push service it cannot reach (FCM from mainland China, a
// machine without internet): give up after this and say so.
const SUBSCRIBE_TIMEOUT_MS = 8000;
const key = () => ({ 'Idempotency-Key': crypto.randomUUID() });

/** 'ok', or why not: 'ios_home_screen' (iOS in a browser tab: add to the Home Screen first), 'unsupported', 'denied'. */
export function pushSupport(nav = navigator, win = window) {
  const ios = /iPad|iPhone|iPod/.test(nav.userAgent) || (nav.platform === 'MacIntel' && nav.maxTouchPoints > 1);
  const standalone = win.matchMedia?.('(display-mode: standalone)').matches || nav.standalone === true;
  if (ios && !standalone) return 'ios_home_screen';
  if (!('serviceWorker' in nav) || !('PushManager' in win) || !('Notification' in win)) return 'unsupported';
  if (win.Notification.permission === 'denied') return 'denied';
  return 'ok';
}

/** The VAPID public key (base64url) as the bytes pushManager.subscribe() wants. */
export function keyBytes(base64url) {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** This phone's subscription, or null (also without a service worker: getRegistration() never waits). */
export async function currentSubscription() {
  const registration = await navigator.serviceWorker?.getRegistration();
  return registration?.pushManager ? registration.pushManager.getSubscription() : null;
}

/** Ask permission, subscribe with the server's VAPID key, register the subscription; throws with a .code. */
export async function turnOn() {
  if ((await Notification.requestPermission()) !== 'granted') throw Object.assign(new Error('denied'), { code: 'denied' });
  const { public_key: publicKey } = await api('/api/v1/push/vapid-public-key');
  const registration = await navigator.serviceWorker.ready;
  let subscription;
  try {
    subscription = await Promise.race([
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }),
      new Promise((resolve, reject) => { setTimeout(() => reject(new Error('timeout')), SUBSCRIBE_TIMEOUT_MS); }),
    ]);
  } catch (err) {
    throw Object.assign(new Error(err.message), { code: 'no_push_service' });
  }
  await api('/api/v1/push/subscriptions', { method: 'POST', body: subscription.toJSON(), headers: key() });
}

/** Unsubscribe here and tell the server to forget the endpoint (also at logout: a shared phone must not show the
 * previous account's notices on its lock screen). */
export async function turnOff() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  const { endpoint } = subscription;
  await subscription.unsubscribe();
  await api('/api/v1/push/subscriptions/delete', { method: 'POST', body: { endpoint }, headers: key() });
}
