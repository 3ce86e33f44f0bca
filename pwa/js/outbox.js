// The outbox: staff writes kept on the phone until the server has them, sent oldest first, never twice.
//
// Built like Workbox's background-sync queue (serialise, store, replay) without its bug: Workbox drops a replayed
// request that got a 4xx/5xx because fetch() resolved. Here the answer decides:
//   no network, 5xx, or a 200 that is not our JSON (a captive portal's login page) → kept, retried with back-off;
//   401, a stale CSRF token, 408, 429 → kept too (log in again / wait), the data is not at fault;
//   2xx JSON, or 409 (already done: a replay, or someone else closed it) → done, removed;
//   any other 4xx → set aside under "needs attention" with the server's message, for the user to fix or discard.
// Every attempt carries Idempotency-Key = the item's id, so a replay after a lost answer is never a second write.
// Background Sync does not exist on iOS/Safari/Firefox: the page flushes (startAutoFlush) on start, when the
// network comes back, when the app is shown again, and on a timer for back-offs.

export const RETRY = { baseMs: 5_000, maxMs: 10 * 60_000 };
const META = '_meta';
const KEEP_STATUSES = new Set([401, 408, 425, 429]);

/** Milliseconds to wait after the n-th failed attempt: 5 s, 10 s, 20 s … capped at 10 minutes. */
export function backoff(attempts, { baseMs, maxMs } = RETRY) {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

async function jsonOf(response) {
  if (!(response.headers.get('Content-Type') || '').includes('application/json')) return undefined;
  try {
    const data = await response.json();
    return data !== null && typeof data === 'object' ? data : undefined;
  } catch {
    return undefined;
  }
}

/** The policy: {verdict: 'done' | 'retry' | 'attention', error?} for one answer of the server. */
export async function judge(response) {
  const { status } = response;
  const data = await jsonOf(response);
  const envelope = data?.error && typeof data.error === 'object' ? data.error : {};
  const error = { status, code: envelope.code || null, message: envelope.message || null, fields: envelope.fields || {} };
  if (status >= 200 && status < 300) {
    return data === undefined ? { verdict: 'retry', error: { ...error, code: 'not_json' } } : { verdict: 'done', data };
  }
  if (status === 409) return { verdict: 'done', data };
  if (status >= 500 || KEEP_STATUSES.has(status) || (status === 403 && envelope.code === 'csrf_failed')) {
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
  let running = null;
  const changed = () => { for (const fn of listeners) fn(); };
  const meta = async () => (await store.get(META)) || { lastSync: null, lastError: null };
  const setMeta = async (patch) => store.set(META, { ...(await meta()), ...patch });

  async function mine() {
    const me = owner();
    const all = (await store.entries()).filter(([key]) => key !== META).map(([, item]) => item);
    return all.filter((item) => item.owner === me).sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  async function add({ method = 'POST', url, body, label = '' }) {
    const seq = Math.max(0, ...(await mine()).map((i) => i.seq)) + 1;
    const item = {
      id: newId(), method, url, body, label, owner: owner(), seq,
      createdAt: now(), attempts: 0, lastError: null, nextAttemptAt: 0, state: 'pending',
    };
    await store.set(item.id, item);
    changed();
    return item;
  }

  async function attempt(item) {
    item.attempts += 1;
    let outcome;
    try {
      const response = await send({ method: item.method, url: item.url, body: item.body, headers: { 'Idempotency-Key': item.id } });
      outcome = await judge(response);
    } catch {
      outcome = { verdict: 'retry', error: { status: 0, code: 'network', message: null, fields: {} } };
    }
    if (outcome.verdict === 'done') {
      await store.del(item.id);
      await setMeta({ lastSync: now(), lastError: null });
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

  async function retry(id) {
    const item = await store.get(id);
    if (!item) return;
    await store.set(id, { ...item, state: 'pending', nextAttemptAt: 0 });
    changed();
  }

  async function discard(id) {
    await store.del(id);
    changed();
  }

  /** Drop every item of the current owner (logout, after the user agreed). */
  async function clear() {
    for (const item of await mine()) await store.del(item.id);
    await store.del(META);
    changed();
  }

  const subscribe = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };
  return { add, flush, status, retry, discard, clear, subscribe };
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
