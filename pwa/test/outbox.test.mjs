// The outbox policy without a browser: an in-memory store, a fake clock and a scripted send().
// Run: node --test pwa/test/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { backoff, createOutbox, RETRY } from '../js/outbox.js';
import { memoryStore } from '../js/store.js';

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const html = (status, text) => new Response(text, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } });

/** An outbox whose send() answers from a script (a function of the request, or a queue of answers). */
function setup(answer = () => json(201, { id: 1 })) {
  const clock = { t: 1_000_000 };
  const sent = [];
  let n = 0;
  const outbox = createOutbox({
    store: memoryStore(),
    now: () => clock.t,
    newId: () => `item-${String(++n).padStart(4, '0')}`,
    send: async (request) => {
      sent.push(request);
      const a = typeof answer === 'function' ? answer(request) : answer.shift();
      if (a instanceof Error) throw a;
      return a;
    },
  });
  const add = async (url, body = { n: url }) => {
    const item = await outbox.add({ method: 'POST', url, body });
    clock.t += 1; // created a millisecond apart
    return item;
  };
  return { outbox, sent, clock, add };
}

test('items are sent oldest first', async () => {
  const { outbox, sent, add } = setup();
  await add('/api/v1/tasks/3/verify');
  await add('/api/v1/tasks/1/verify');
  await add('/api/v1/tasks/2/verify');
  const result = await outbox.flush();
  assert.deepEqual(sent.map((r) => r.url), ['/api/v1/tasks/3/verify', '/api/v1/tasks/1/verify', '/api/v1/tasks/2/verify']);
  assert.deepEqual(result, { sent: 3, kept: 0, setAside: 0 });
  assert.equal((await outbox.status()).count, 0);
});

test('a network error keeps the item and retries it later, with growing back-off', async () => {
  const offline = new TypeError('Failed to fetch');
  const { outbox, sent, clock, add } = setup([offline, offline, json(201, { id: 7 }), json(201, { id: 8 })]);
  await add('/a');
  await add('/b');
  assert.deepEqual(await outbox.flush(), { sent: 0, kept: 1, setAside: 0 });
  assert.equal(sent.length, 1, 'the round stops at the first failure: /b never overtakes /a');
  let [item] = (await outbox.status()).pending;
  assert.equal(item.attempts, 1);
  assert.equal(item.lastError.code, 'network');
  assert.equal(item.nextAttemptAt, clock.t + RETRY.baseMs);

  await outbox.flush(); // too early: nothing is sent
  assert.equal(sent.length, 1);

  clock.t += RETRY.baseMs;
  await outbox.flush();
  assert.equal(sent.length, 2);
  [item] = (await outbox.status()).pending;
  assert.equal(item.attempts, 2);
  assert.equal(item.nextAttemptAt, clock.t + 2 * RETRY.baseMs, 'the second wait is twice the first');

  sent.length = 0;
  await outbox.flush({ force: true }); // the network came back: no waiting
  assert.deepEqual(sent.map((r) => r.url), ['/a', '/b']);
  const status = await outbox.status();
  assert.equal(status.count, 0);
  assert.equal(status.lastSync, clock.t);
  assert.equal(status.lastError, null);
});

test('back-off doubles and is capped', () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => backoff(n)), [5_000, 10_000, 20_000, 40_000]);
  assert.equal(backoff(50), RETRY.maxMs);
});

test('a 503 keeps the item', async () => {
  const { outbox, add } = setup(() => json(503, { error: { code: 'unavailable', message: 'down', fields: {} } }));
  await add('/a');
  assert.deepEqual(await outbox.flush(), { sent: 0, kept: 1, setAside: 0 });
  const { pending, attention } = await outbox.status();
  assert.equal(pending.length, 1);
  assert.equal(attention.length, 0);
  assert.equal(pending[0].lastError.status, 503);
});

test("a captive portal's 200 HTML page is not success: the item is kept", async () => {
  const { outbox, add } = setup(() => html(200, '<html><body>Welcome to Free WiFi, please log in</body></html>'));
  await add('/a');
  await outbox.flush();
  const { pending } = await outbox.status();
  assert.equal(pending.length, 1);
  assert.equal(pending[0].lastError.code, 'not_json');
});

test('a 200 that says JSON but is not JSON is kept too', async () => {
  const { outbox, add } = setup(() => new Response('<html>', { status: 200, headers: { 'Content-Type': 'application/json' } }));
  await add('/a');
  await outbox.flush();
  assert.equal((await outbox.status()).pending.length, 1);
});

test('a 2xx JSON answer removes the item', async () => {
  const { outbox, add } = setup(() => json(201, { id: 42, outcome: 'approved' }));
  await add('/a');
  assert.deepEqual(await outbox.flush(), { sent: 1, kept: 0, setAside: 0 });
  assert.equal((await outbox.status()).count, 0);
});

test('a 409 (a replay, or already closed) removes the item', async () => {
  const { outbox, add } = setup(() => json(409, { error: { code: 'task_closed', message: 'closed', fields: {} } }));
  await add('/a');
  assert.deepEqual(await outbox.flush(), { sent: 1, kept: 0, setAside: 0 });
  assert.equal((await outbox.status()).count, 0);
});

test("a 400 is set aside with the server's message and does not block the next item", async () => {
  const { outbox, sent, add } = setup((r) =>
    r.url === '/bad'
      ? json(400, { error: { code: 'validation_failed', message: '请检查标出的字段', fields: { checklist: '未回答' } } })
      : json(201, {}),
  );
  await add('/bad');
  await add('/good');
  assert.deepEqual(await outbox.flush(), { sent: 1, kept: 0, setAside: 1 });
  assert.deepEqual(sent.map((r) => r.url), ['/bad', '/good']);
  const { pending, attention } = await outbox.status();
  assert.equal(pending.length, 0);
  assert.equal(attention.length, 1);
  assert.equal(attention[0].url, '/bad');
  assert.equal(attention[0].lastError.message, '请检查标出的字段');
  assert.deepEqual(attention[0].lastError.fields, { checklist: '未回答' });

  await outbox.flush({ force: true }); // set aside: not sent again by itself
  assert.equal(sent.length, 2);
  await outbox.retry(attention[0].id); // … only when the user asks
  await outbox.flush();
  assert.equal(sent.length, 3);
});

test('a 401 keeps the item (log in again), it is not the data that is wrong', async () => {
  const { outbox, add } = setup(() => json(401, { error: { code: 'unauthorized', message: 'log in', fields: {} } }));
  await add('/a');
  await outbox.flush();
  assert.equal((await outbox.status()).pending[0].lastError.code, 'unauthorized');
});

test('a 403 for a one-time password still to change keeps the item; another 403 sets it aside', async () => {
  const refuse = (code) => json(403, { error: { code, message: 'no', fields: {} } });
  const { outbox, add } = setup([refuse('password_change_required'), refuse('forbidden')]);
  await add('/a');
  await outbox.flush();
  assert.equal((await outbox.status()).pending[0].lastError.code, 'password_change_required');
  await outbox.flush({ force: true });
  assert.equal((await outbox.status()).attention[0].lastError.code, 'forbidden');
});

test('every attempt of an item carries Idempotency-Key = its id, so replays never duplicate', async () => {
  const { outbox, sent, add } = setup([new TypeError('offline'), json(502, {}), html(200, 'portal'), json(201, {})]);
  const item = await add('/api/v1/tasks/9/verify', { outcome: 'approved' });
  for (let i = 0; i < 4; i += 1) await outbox.flush({ force: true });
  assert.equal(sent.length, 4);
  for (const request of sent) {
    assert.equal(request.headers['Idempotency-Key'], item.id);
    assert.deepEqual(request.body, { outcome: 'approved' });
    assert.equal(request.method, 'POST');
  }
  assert.equal((await outbox.status()).count, 0);
});

test('concurrent flushes send an item once', async () => {
  const { outbox, sent, add } = setup();
  await add('/a');
  await Promise.all([outbox.flush(), outbox.flush(), outbox.flush({ force: true })]);
  assert.equal(sent.length, 1);
});

test("items wait for their owner: another user's login does not send them", async () => {
  const store = memoryStore();
  let user = 'grid';
  const sent = [];
  const outbox = createOutbox({ store, owner: () => user, send: async (r) => { sent.push(r); return json(201, {}); } });
  await outbox.add({ url: '/a', body: {} });
  user = 'someone-else';
  await outbox.flush({ force: true });
  assert.equal(sent.length, 0);
  assert.equal((await outbox.status()).count, 0);
  user = 'grid';
  await outbox.flush({ force: true });
  assert.equal(sent.length, 1);
});

test('clear() drops the current owner’s items (logout)', async () => {
  const { outbox, add } = setup(() => new TypeError('offline'));
  await add('/a');
  await outbox.clear();
  assert.equal((await outbox.status()).count, 0);
});

test('onDone hears each accepted write with the server answer (a visit sent to review), and not refused ones', async () => {
  const answers = [json(201, { outcome: 'needs_review' }), json(400, { error: { code: 'validation_failed' } })];
  const { outbox, add } = setup(answers);
  const heard = [];
  const stop = outbox.onDone((item, data) => heard.push([item.url, data.outcome]));
  await add('/api/v1/tasks/7/verify');
  await add('/b');
  await outbox.flush({ force: true });
  stop();
  assert.deepEqual(heard, [['/api/v1/tasks/7/verify', 'needs_review']]);
});
