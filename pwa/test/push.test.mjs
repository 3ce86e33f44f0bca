// When this phone can take Web Push, and the VAPID key as bytes (pwa/js/push.js), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { keyBytes, pushSupport } from '../js/push.js';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36';
const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15';

function phone({ ua, platform = '', touch = 0, standalone = false, permission = 'default', push = true }) {
  const nav = { userAgent: ua, platform, maxTouchPoints: touch, standalone, serviceWorker: {} };
  const win = { matchMedia: () => ({ matches: standalone }), Notification: { permission } };
  if (push) win.PushManager = function PushManager() {};
  return [nav, win];
}

test('an iPhone in a browser tab must add the app to the Home Screen first; from there it may', () => {
  assert.equal(pushSupport(...phone({ ua: IPHONE })), 'ios_home_screen');
  assert.equal(pushSupport(...phone({ ua: IPHONE, standalone: true })), 'ok');
});

test('an iPad that calls itself a Mac (touch screen) is an iPad', () => {
  assert.equal(pushSupport(...phone({ ua: MAC, platform: 'MacIntel', touch: 5 })), 'ios_home_screen');
  assert.equal(pushSupport(...phone({ ua: MAC, platform: 'MacIntel', touch: 0 })), 'ok');
});

test('Android Chrome may; a browser without PushManager cannot; blocked notifications are said so', () => {
  assert.equal(pushSupport(...phone({ ua: ANDROID })), 'ok');
  assert.equal(pushSupport(...phone({ ua: ANDROID, push: false })), 'unsupported');
  assert.equal(pushSupport(...phone({ ua: ANDROID, permission: 'denied' })), 'denied');
});

test('the VAPID public key (base64url, no padding) becomes the 65 bytes of a P-256 point', () => {
  const raw = Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : (i * 37) % 256));
  const b64url = Buffer.from(raw).toString('base64url');
  assert.ok(!b64url.includes('='));
  assert.deepEqual(keyBytes(b64url), raw);
});
