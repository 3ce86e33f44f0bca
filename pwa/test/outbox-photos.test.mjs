// Photos in the outbox: a write that needs photos waits for them, gets their server ids, and neither is ever
// stored twice by the server, whatever is lost or killed on the way. Run: node --test pwa/test/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createOutbox } from '../js/outbox.js';
import { memoryStore } from '../js/store.js';

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A server like ours: one answer per Idempotency-Key (a replay gets the first), a 409 for a changed payload. */
function fakeServer() {
  const keys = new Map();
  const photos = [];
  const visits = [];
  const requests = [];
  const act = (request) => {
    if (request.url === '/api/v1/photos') {
      photos.push(request.body);
      return { status: 201, body: { id: 100 + photos.length } };
    }
    visits.push({ url: request.url, body: request.body });
    return { status: 201, body: { id: visits.length } };
  };
  const handle = (request) => {
    requests.push(request);
    const key = request.headers['Idempotency-Key'];
    const digest = `${request.url} ${request.contentType ? [...request.body].join() : JSON.stringify(request.body)}`;
    const seen = keys.get(key);
    if (seen && seen.digest !== digest) return { status: 409, body: { error: { code: 'idempotency_key_reused' } } };
    if (seen) return seen.answer;
    const answer = act(request);
    keys.set(key, { digest, answer });
    return answer;
  };
  return { handle, photos, visits, requests };
}

/** An outbox over `store` whose send goes to `server`; `network(request, answer)` may lose things on the way. */
function phone(store, server, network = (request, answer) => answer, now = () => Date.now()) {
  let n = 0;
  const prefix = Math.random().toString(36).slice(2, 8);
  return createOutbox({
    store,
    now,
    owner: () => 'grid',
    newId: () => `${prefix}-${String(++n).padStart(4, '0')}`,
    send: async (request) => {
      const answer = network(request, () => server.handle(request));
      const { status, body } = typeof answer === 'function' ? answer() : answer;
      return json(status, body);
    },
  });
}

const bytes = (n) => new Uint8Array(n).fill(7).buffer;

/** One visit with two photos, queued the way pwa/js/screens/tasks.js does it. */
async function queueVisit(outbox, task = 1) {
  const shots = [10, 20].map((size) => ({ bytes: bytes(size), type: 'image/jpeg', label: 'photo' }));
  const visit = await outbox.addWithPhotos({ url: `/api/v1/tasks/${task}/verify`, body: { outcome: 'approved' } }, shots);
  const photos = visit.needs.photos.map((id) => ({ id }));
  return { photos, visit };
}

test('photos are uploaded first, as bytes under their own key, and the visit carries their server ids', async () => {
  const server = fakeServer();
  const outbox = phone(memoryStore(), server);
  const { photos, visit } = await queueVisit(outbox);
  assert.deepEqual(await outbox.flush(), { sent: 3, kept: 0, setAside: 0 });
  assert.deepEqual(server.requests.map((r) => r.url), ['/api/v1/photos', '/api/v1/photos', '/api/v1/tasks/1/verify']);
  assert.deepEqual(server.requests.map((r) => r.headers['Idempotency-Key']), [photos[0].id, photos[1].id, visit.id]);
  const [upload] = server.requests;
  assert.equal(upload.contentType, `multipart/form-data; boundary=menpai-${photos[0].id}`);
  const text = new TextDecoder().decode(upload.body);
  assert.match(text, /^--menpai-\S+\r\nContent-Disposition: form-data; name="photo"; filename="photo.jpg"\r\nContent-Type: image\/jpeg\r\n\r\n/);
  assert.equal(text.split('\r\n\r\n')[1].length, 10 + `\r\n--menpai-${photos[0].id}--\r\n`.length);
  assert.deepEqual(server.visits, [{ url: '/api/v1/tasks/1/verify', body: { outcome: 'approved', photos: [101, 102] } }]);
  assert.equal((await outbox.status()).count, 0);
});

test('the visit is never sent before its photos: a photo without network stops the round', async () => {
  const server = fakeServer();
  let online = false;
  const outbox = phone(memoryStore(), server, (request, answer) => {
    if (!online) throw new TypeError('Failed to fetch');
    return answer;
  });
  await queueVisit(outbox);
  await outbox.flush({ force: true });
  assert.equal(server.requests.length, 0);
  online = true;
  await outbox.flush({ force: true });
  assert.equal(server.photos.length, 2);
  assert.equal(server.visits.length, 1);
});

test("a photo's lost answer is replayed under the same key: one photo on the server, the same id in the visit", async () => {
  const server = fakeServer();
  let lost = 0;
  const outbox = phone(memoryStore(), server, (request, answer) => {
    if (request.url === '/api/v1/photos' && lost === 0) {
      lost += 1;
      answer(); // the server stores it …
      throw new TypeError('connection reset'); // … and the answer never arrives
    }
    return answer;
  });
  await queueVisit(outbox);
  assert.deepEqual(await outbox.flush(), { sent: 0, kept: 1, setAside: 0 });
  assert.equal(server.visits.length, 0, 'not without the first photo');
  await outbox.flush({ force: true });
  assert.equal(server.photos.length, 2);
  assert.deepEqual(server.visits.map((v) => v.body.photos), [[101, 102]]);
});

test('killed mid-flush after every request, a new page replays it all and the server has each thing once', async () => {
  // Kill the page at each point of the flush in turn: after the n-th store write of the round, nothing more runs.
  for (let killAt = 1; killAt <= 12; killAt += 1) {
    const server = fakeServer();
    const store = memoryStore();
    await queueVisit(phone(store, server));
    let writes = 0;
    const dying = {
      ...store,
      set: async (k, v) => { if (++writes >= killAt) throw new Error('killed'); return store.set(k, v); },
      del: async (k) => { if (++writes >= killAt) throw new Error('killed'); return store.del(k); },
    };
    await phone(dying, server).flush().catch(() => {});
    const reopened = phone(store, server);
    await reopened.flush({ force: true });
    await phone(store, server, undefined, () => Date.now() + 2 * 3600_000).flush(); // hours later: orphans go
    assert.equal(server.photos.length, 2, `killed at write ${killAt}: photos`);
    assert.deepEqual(server.visits.map((v) => v.body.photos), [[101, 102]], `killed at write ${killAt}: visit`);
    assert.equal((await reopened.status()).count, 0, `killed at write ${killAt}: nothing left`);
    assert.deepEqual((await store.entries()).filter(([k]) => String(k).startsWith('_ref:')), [], 'references cleaned');
  }
});

test('a refused photo sets its visit aside too (never sent without it); retrying the photo frees both', async () => {
  const server = fakeServer();
  let refuse = true;
  const outbox = phone(memoryStore(), server, (request, answer) =>
    refuse && request.url === '/api/v1/photos' ? { status: 400, body: { error: { code: 'validation_failed', fields: { photo: 'too big' } } } } : answer,
  );
  const { photos, visit } = await queueVisit(outbox);
  await outbox.flush();
  let { attention } = await outbox.status();
  assert.deepEqual(attention.map((i) => i.id).sort(), [photos[0].id, photos[1].id, visit.id].sort());
  assert.equal(attention.find((i) => i.id === visit.id).lastError.code, 'photo_set_aside');
  assert.equal(server.visits.length, 0);

  refuse = false;
  await outbox.retry(photos[0].id);
  await outbox.retry(photos[1].id);
  await outbox.flush();
  ({ attention } = await outbox.status());
  assert.equal(attention.length, 0);
  assert.deepEqual(server.visits.map((v) => v.body.photos), [[101, 102]]);
});

test('discarding a visit discards its photos; a discarded photo leaves the visit to go without it', async () => {
  const server = fakeServer();
  const store = memoryStore();
  const outbox = phone(store, server, () => ({ status: 400, body: { error: { code: 'validation_failed' } } }));
  const first = await queueVisit(outbox, 1);
  await outbox.flush();
  await outbox.discard(first.visit.id);
  assert.equal((await outbox.status()).count, 0, 'the photos went with their visit');

  const ok = phone(store, server);
  const second = await queueVisit(ok, 2);
  await ok.discard(second.photos[0].id);
  await ok.flush();
  assert.equal(server.photos.length, 1);
  assert.deepEqual(server.visits.map((v) => v.body.photos), [[101]]);
});

test('a 409 without the id for a photo (its first attempt still running) keeps it: the reference is never lost', async () => {
  const server = fakeServer();
  let busy = true;
  const outbox = phone(memoryStore(), server, (request, answer) =>
    busy && request.url === '/api/v1/photos' ? { status: 409, body: { error: { code: 'idempotency_in_progress' } } } : answer,
  );
  await queueVisit(outbox);
  assert.deepEqual(await outbox.flush(), { sent: 0, kept: 1, setAside: 0 });
  assert.equal((await outbox.status()).pending[0].lastError.code, 'no_id');
  busy = false;
  await outbox.flush({ force: true });
  assert.deepEqual(server.visits.map((v) => v.body.photos), [[101, 102]]);
});

test('a round that sends a photo just before its write is queued keeps the photo id for it', async () => {
  const server = fakeServer();
  const outbox = phone(memoryStore(), server);
  const photo = await outbox.add({ url: '/api/v1/photos', body: new Uint8Array(5), contentType: 'image/jpeg', provides: 'id' });
  await outbox.flush(); // the timer's round: the photo goes, no write needs it yet
  assert.equal(server.photos.length, 1);
  await outbox.add({ url: '/api/v1/tasks/1/verify', body: {}, needs: { photos: [photo.id] } });
  await outbox.flush();
  assert.deepEqual(server.visits.map((v) => v.body.photos), [[101]]);
});
