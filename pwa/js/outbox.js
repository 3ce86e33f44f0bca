// The outbox: staff writes kept on the phone until the server has them, sent oldest first, never twice.
//
// Built like Workbox's background-sync queue (serialise, store, replay) without its bug: Workbox drops a replayed
// request that got a 4xx/5xx because fetch() resolved. Here the answer decides:
//   no network, 5xx, or a 200 that is not our JSON (a captive portal's login page) → kept, retried with back-off;
//   401, a stale CSRF token, a one-time password to change, 408, 429 → kept too (log in again / wait), the data
//   is not at fault;
//   2xx JSON, or 409 (already done: a replay, or someone else closed it) → done, removed;
//   any other 4xx → set aside under "needs attention" with the server's message, for the user to fix or discard.
// Every attempt carries Idempotency-Key = the item's id, so a replay after a lost answer is never a second write.
// Photos are items too (raw bytes, `provides` their server id): a write that `needs` them waits behind them (they
// were added first and a round stops at the first retry), and is sent only once every photo's server id is known:
// the id is kept (`_ref:<photo item id>`) BEFORE the photo item is removed, so a page killed in between resends the
// photo under the same key and the server answers the same id; the write's body is then the same on every replay.
// Background Sync does not exist on iOS/Safari/Firefox: the page flushes (startAutoFlush) on start, when the
// network comes back, when the app is shown again, and on a timer for back-offs.

import { readJson } from './api.js';
import { multipartFile } from './multipart.js';

export const RETRY = { baseMs: 5_000, maxMs: 10 * 60_000 };
const META = '_meta';
const REF = '_ref:'; // + a photo item's id → the server's id for it
const REF_GRACE_MS = 60 * 60_000;
const isItem = (key) => key !== META && !String(key).startsWith(REF);
const KEEP_STATUSES = new Set([401, 408, 425, 429]);
// A 403 for the session, not the data: a stale CSRF token, or a one-time password still to be changed (#/password).
const KEEP_FORBIDDEN = new Set(['csrf_failed', 'password_change_required']);

/** Milliseconds to wait after the n-th failed attempt: 5 s, 10 s, 20 s … capped at 10 minutes. */
export function backoff(attempts, { baseMs, maxMs } = RETRY) {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** The policy: {verdict: 'done' | 'retry' | 'attention', error?} for one answer of the server. */
export async function judge(response) {
  const { status } = response;
  const data = await readJson(response);
  const envelope = data?.error && typeof data.error === 'object' ? data.error : {};
  const error = { status, code: envelope.code || null, message: envelope.message || null, fields: envelope.fields || {} };
  if (status >= 200 && status < 300) {
    return data === undefined ? { verdict: 'retry', error: { ...error, code: 'not_json' } } : { verdict: 'done', data };
  }
  if (status === 409) return { verdict: 'done', data };
  if (status >= 500 || KEEP_STATUSES.has(status) || (status === 403 && KEEP_FORBIDDEN.has(envelope.code))) {
    return { verdict: 'retry', error: { ...error, code: error.code || (status >= 500 ? 'server' : 'http') } };
  }
  return { verdict: 'attention', error: { ...error, code: error.code || 'http' } };
}

/**
 * createOutbox({store, send}): store is a key-value store (store.js), send(request) → a fetch Response
 * (rejecting when there is no network). owner() names the logged-in user: items are only sent for their owner.
 */
export function createOutbox({
  store,
  send,
  now = () => Date.now(),
  newId = () => crypto.randomUUID(),
  owner = () => null,
  lock = (fn) => fn(),
}) {
  const listeners = new Set();
  const accepted = new Set(); // fn(item, data) for each write the server took (the visit that went to review)
  let running = null;
  const changed = () => { for (const fn of listeners) fn(); };
  const meta = async () => (await store.get(META)) || { lastSync: null, lastError: null };
  const setMeta = async (patch) => store.set(META, { ...(await meta()), ...patch });

  async function mine() {
    const me = owner();
    const all = (await store.entries()).filter(([key]) => isItem(key)).map(([, item]) => item);
    return all.filter((item) => item.owner === me).sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  /**
   * add({url, body, label}) queues a JSON write. A photo: add({url, body: bytes, contentType, provides: 'id'});
   * a write that uses it: add({..., needs: {photos: [photoItem.id]}}) — body.photos gets the server ids appended
   * at send time. addWithPhotos below does both.
   */
  async function add({ id = newId(), method = 'POST', url, body, label = '', contentType = null, provides = null, needs = null }) {
    const seq = Math.max(0, ...(await mine()).map((i) => i.seq)) + 1;
    const item = {
      id, method, url, body, label, owner: owner(), seq, contentType, provides, needs,
      createdAt: now(), attempts: 0, lastError: null, nextAttemptAt: 0, state: 'pending',
    };
    await store.set(item.id, item);
    changed();
    return item;
  }

  /** Photos, then the write that needs them. photos: [{bytes, type, label}]. */
  async function addWithPhotos(write, photos) {
    const queued = [];
    for (const { bytes, type, label } of photos) {
      const id = newId();
      // The multipart body is fixed now, boundary and all: every replay is the same request, byte for byte.
      const { body, contentType } = multipartFile({ name: 'photo', filename: 'photo.jpg', type, bytes, boundary: `menpai-${id}` });
      queued.push(await add({ id, method: 'POST', url: '/api/v1/photos', body, contentType, provides: 'id', label }));
    }
    return add({ ...write, needs: queued.length ? { photos: queued.map((p) => p.id) } : null });
  }

  /** The body with the server ids of the photos it needs, or {blocked: the photo item not sent yet}. */
  async function resolve(item) {
    if (!item.needs) return { body: item.body };
    const body = { ...item.body };
    for (const [field, ids] of Object.entries(item.needs)) {
      const resolved = [];
      for (const id of ids) {
        const ref = await store.get(REF + id);
        const photo = ref === undefined ? await store.get(id) : null;
        if (ref !== undefined) resolved.push(ref.value);
        else if (photo) return { blocked: photo };
        // else: the user discarded that photo; the write goes without it
      }
      body[field] = [...(body[field] || []), ...resolved];
    }
    return { body };
  }

  async function attempt(item) {
    const { body, blocked } = await resolve(item);
    if (blocked?.state === 'attention') {
      // Its photo was refused: this waits beside it, for the user to retry or discard them.
      Object.assign(item, { state: 'attention', lastError: { status: 0, code: 'photo_set_aside', message: null, fields: {} } });
      await store.set(item.id, item);
      return 'attention';
    }
    if (blocked) return 'retry'; // a photo still to send (it normally comes first and stops the round itself)
    item.attempts += 1;
    let outcome;
    try {
      const headers = { 'Idempotency-Key': item.id };
      const response = await send({ method: item.method, url: item.url, body, headers, contentType: item.contentType });
      outcome = await judge(response);
    } catch {
      outcome = { verdict: 'retry', error: { status: 0, code: 'network', message: null, fields: {} } };
    }
    if (outcome.verdict === 'done' && item.provides) {
      const ref = outcome.data?.[item.provides];
      // A 409 without the id (the first attempt still running): ask again rather than lose the reference.
      if (ref === undefined || ref === null) outcome = { verdict: 'retry', error: { status: 409, code: 'no_id', message: null, fields: {} } };
      else await store.set(REF + item.id, { value: ref, owner: item.owner, at: now() }); // before the item goes
    }
    if (outcome.verdict === 'done') {
      await store.del(item.id);
      for (const id of Object.values(item.needs || {}).flat()) await store.del(REF + id);
      await setMeta({ lastSync: now(), lastError: null });
      for (const fn of accepted) fn(item, outcome.data);
    } else if (outcome.verdict === 'retry') {
      Object.assign(item, { lastError: outcome.error, nextAttemptAt: now() + backoff(item.attempts) });
      await store.set(item.id, item);
      await setMeta({ lastError: outcome.error });
    } else {
      Object.assign(item, { state: 'attention', lastError: outcome.error });
      await store.set(item.id, item);
    }
    return outcome.verdict;
  }

  /**
   * Forget photo ids no queued write needs any more (left behind when a page died right after its write), once
   * they are old: a round may send a photo in the moment before the write that needs it is queued.
   */
  async function sweepRefs() {
    const needed = new Set((await mine()).flatMap((i) => Object.values(i.needs || {}).flat()));
    for (const [key, ref] of await store.entries()) {
      const orphan = String(key).startsWith(REF) && ref.owner === owner() && !needed.has(key.slice(REF.length));
      if (orphan && now() - ref.at > REF_GRACE_MS) await store.del(key);
    }
  }

  /** Send what is due, oldest first; a failure stops the round, so a later write never overtakes an earlier one. */
  function flush({ force = false } = {}) {
    running ||= Promise.resolve(lock(async () => {
      const result = { sent: 0, kept: 0, setAside: 0 };
      for (const item of (await mine()).filter((i) => i.state === 'pending')) {
        if (!force && item.nextAttemptAt > now()) { result.kept += 1; break; }
        const verdict = await attempt(item);
        changed();
        if (verdict === 'retry') { result.kept += 1; break; }
        result[verdict === 'done' ? 'sent' : 'setAside'] += 1;
      }
      await sweepRefs();
      return result;
    })).finally(() => { running = null; });
    return running;
  }

  async function status() {
    const items = await mine();
    const pending = items.filter((i) => i.state === 'pending');
    const attention = items.filter((i) => i.state === 'attention');
    return { pending, attention, count: items.length, ...(await meta()) };
  }

  /** Try a set-aside item again; retrying a photo also frees the writes that were waiting for it. */
  async function retry(id) {
    const item = await store.get(id);
    if (!item) return;
    await store.set(id, { ...item, state: 'pending', nextAttemptAt: 0 });
    for (const other of await mine()) {
      if (other.state === 'attention' && Object.values(other.needs || {}).flat().includes(id)) {
        await store.set(other.id, { ...other, state: 'pending', nextAttemptAt: 0 });
      }
    }
    changed();
  }

  /** Drop an item; a write's photos go with it (they are evidence of nothing else). */
  async function discard(id) {
    const item = await store.get(id);
    for (const photo of Object.values(item?.needs || {}).flat()) {
      await store.del(photo);
      await store.del(REF + photo);
    }
    await store.del(id);
    changed();
  }

  /** Drop every item of the current owner (logout, after the user agreed). */
  async function clear() {
    for (const item of await mine()) await store.del(item.id);
    const me = owner();
    for (const [key, ref] of await store.entries()) if (String(key).startsWith(REF) && ref.owner === me) await store.del(key);
    await store.del(META);
    changed();
  }

  const subscribe = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };
  const onDone = (fn) => { accepted.add(fn); return () => accepted.delete(fn); };
  return { add, addWithPhotos, flush, status, retry, discard, clear, subscribe, onDone };
}

/** Flush now, when the network returns, when the app is shown again, and every intervalMs for back-offs. */
export function startAutoFlush(outbox, { target = globalThis, doc = globalThis.document, intervalMs = 30_000 } = {}) {
  const quiet = (p) => p.catch(() => {});
  quiet(outbox.flush());
  target.addEventListener('online', () => quiet(outbox.flush({ force: true })));
  doc?.addEventListener('visibilitychange', () => {
    if (doc.visibilityState === 'visible') quiet(outbox.flush());
  });
  return setInterval(() => quiet(outbox.flush()), intervalMs);
}
