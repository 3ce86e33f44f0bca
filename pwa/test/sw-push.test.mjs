// The service worker's push and notificationclick handlers (pwa/sw.js) without a browser: the script runs in a vm
// whose `self` records listeners, notifications shown and windows focused, navigated or opened.
// (In Chromium, tests/test_pwa_landlord.py drives the push handler with CDP; a notification cannot be clicked there.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

const SOURCE = readFileSync(new URL('../sw.js', import.meta.url), 'utf8');
const SCOPE = 'https://menpai.test/app/';

function worker({ windows = [] } = {}) {
  const listeners = {};
  const shown = [];
  const opened = [];
  const self = {
    location: new URL(`${SCOPE}sw.js`),
    addEventListener: (type, fn) => { listeners[type] = fn; },
    registration: { scope: SCOPE, showNotification: async (title, options) => { shown.push({ title, ...options }); } },
    clients: { matchAll: async () => windows, openWindow: async (url) => { opened.push(url); } },
  };
  vm.runInNewContext(SOURCE, { self, URL, console, setTimeout, caches: {}, fetch: () => {} });
  const fire = async (type, event) => {
    let done;
    listeners[type]({ ...event, waitUntil: (p) => { done = p; } });
    await done;
  };
  return { fire, shown, opened };
}

const push = (payload) => ({ data: { json: () => JSON.parse(payload), text: () => payload } });
const click = (url) => ({ notification: { data: { url }, close() { this.closed = true; } } });
const fakeWindow = (url) => ({ url, focused: false, went: null, async focus() { this.focused = true; }, async navigate(u) { this.went = u; } });

test('a push shows the payload as a notification tagged by its notice', async () => {
  const sw = worker();
  await sw.fire('push', push(JSON.stringify({ title: '整改通知', body: '请于12月10日前整改', url: '/app/#/notices/7', notice_id: 7 })));
  assert.equal(sw.shown.length, 1);
  const [n] = sw.shown;
  assert.deepEqual([n.title, n.body, n.tag, n.data.url], ['整改通知', '请于12月10日前整改', 'notice-7', '/app/#/notices/7']);
});

test('a push that is not JSON still shows its text', async () => {
  const sw = worker();
  await sw.fire('push', push('plain words'));
  assert.deepEqual([sw.shown[0].body, sw.shown[0].tag], ['plain words', 'menpai']);
});

test('a click opens the app at the notice when no window is open', async () => {
  const sw = worker();
  const event = click('/app/#/notices/7');
  await sw.fire('notificationclick', event);
  assert.ok(event.notification.closed);
  assert.deepEqual(sw.opened, ['https://menpai.test/app/#/notices/7']);
});

test('a click reuses an open window of the app: focused, then at the notice', async () => {
  const other = fakeWindow('https://menpai.test/d/ABC');
  const app = fakeWindow('https://menpai.test/app/#/houses');
  const sw = worker({ windows: [other, app] });
  await sw.fire('notificationclick', click('/app/#/notices/9'));
  assert.deepEqual(sw.opened, []);
  assert.ok(app.focused && !other.focused);
  assert.equal(app.went, 'https://menpai.test/app/#/notices/9');
});

test('a click never opens a foreign or out-of-scope URL: the app instead', async () => {
  for (const url of ['https://evil.example/app/', '/admin', 'javascript:alert(1)']) {
    const sw = worker();
    await sw.fire('notificationclick', click(url));
    assert.deepEqual(sw.opened, [SCOPE], url);
  }
});
