// A screen's late answer never draws over the screen the user moved to (pwa/js/navigation.js, api.js), without a
// browser: the guard keys on a navigation counter, so A → B → A drops the first A's answer too.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { api } from '../js/api.js';
import { navigated, onThisScreen } from '../js/navigation.js';

/** 'fulfilled', 'rejected', or 'pending' once everything queued has run. */
const state = (promise) => Promise.race([
  promise.then(() => 'fulfilled', () => 'rejected'),
  new Promise((resolve) => { setTimeout(() => resolve('pending'), 20); }),
]);

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((yes, no) => { resolve = yes; reject = no; });
  return { promise, resolve, reject };
}

/** fetch() answering only when told to: the network of one bar of signal. */
function slowNetwork() {
  const calls = [];
  globalThis.fetch = (url, init) => {
    const call = { url, init, ...deferred() };
    calls.push(call);
    return call.promise;
  };
  const json = (body) => new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
  return { calls, json };
}

test('a wait that ends on the screen that started it settles, with its value or its error', async () => {
  navigated();
  assert.equal(await onThisScreen(Promise.resolve(7)), 7);
  await assert.rejects(onThisScreen(Promise.reject(new Error('denied'))), /denied/);
});

test('a GPS fix or a push subscription that ends after A → B → A never settles', async () => {
  navigated(); // A
  const fix = deferred();
  const failing = deferred();
  const waits = [onThisScreen(fix.promise), onThisScreen(failing.promise)];
  navigated(); // B
  navigated(); // A again: the same hash, a new screen
  fix.resolve({ lat: 27.6, lon: 120.5 });
  failing.reject(new Error('timeout'));
  assert.deepEqual(await Promise.all(waits.map(state)), ['pending', 'pending']);
});

test("a screen's API read answered after A → B → A never settles; the second A's read and writes do", async () => {
  const { calls, json } = slowNetwork();
  navigated(); // A
  const first = api('/api/v1/houses/1');
  const firstOffline = api('/api/v1/houses/2');
  const write = api('/api/v1/houses/1/close', { method: 'POST', body: {} });
  const who = api('/api/v1/me', { keep: true });
  navigated(); // B
  navigated(); // A again
  const second = api('/api/v1/houses/1');
  calls[0].resolve(json({ house: 'stale' }));
  calls[1].reject(new TypeError('Failed to fetch'));
  calls[2].resolve(json({ ok: true }));
  calls[3].resolve(json({ user: null }));
  calls[4].resolve(json({ house: 'fresh' }));
  assert.equal(await state(first), 'pending');
  assert.equal(await state(firstOffline), 'pending');
  assert.deepEqual(await write, { ok: true });
  assert.deepEqual(await who, { user: null });
  assert.deepEqual(await second, { house: 'fresh' });
});
