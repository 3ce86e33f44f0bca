// A tiny IndexedDB key-value store (after idb-keyval's createStore): one database, one object store.

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** createStore('menpai-outbox', 'items') → {get, set, del, entries, clear}, every method async. */
export function createStore(dbName, storeName) {
  let db;
  const open = () => {
    if (!db) {
      const request = indexedDB.open(dbName);
      request.onupgradeneeded = () => request.result.createObjectStore(storeName);
      db = done(request);
    }
    return db;
  };
  const run = async (mode, fn) => {
    const tx = (await open()).transaction(storeName, mode);
    const result = fn(tx.objectStore(storeName));
    // Resolve once the transaction commits: a write is only "done" when it survives a closed tab.
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
    return result instanceof IDBRequest ? result.result : result;
  };
  return {
    get: (key) => run('readonly', (s) => s.get(key)),
    set: (key, value) => run('readwrite', (s) => s.put(value, key)),
    del: (key) => run('readwrite', (s) => s.delete(key)),
    clear: () => run('readwrite', (s) => s.clear()),
    async entries() {
      const [keys, values] = await run('readonly', (s) => [s.getAllKeys(), s.getAll()]);
      return keys.result.map((key, i) => [key, values.result[i]]);
    },
  };
}

/** The same interface in memory: for tests, and when IndexedDB is unavailable (some private modes). */
export function memoryStore() {
  const map = new Map();
  const copy = (v) => (v === undefined ? v : structuredClone(v));
  return {
    get: async (key) => copy(map.get(key)),
    set: async (key, value) => { map.set(key, copy(value)); },
    del: async (key) => { map.delete(key); },
    clear: async () => { map.clear(); },
    entries: async () => [...map].map(([k, v]) => [k, copy(v)]),
  };
}
