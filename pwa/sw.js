// The service worker of /app/: the shell from a versioned cache, API reads network-first, writes never touched
// (the page's outbox owns them: a worker that replays writes as well would send them twice).
const VERSION = '__SHELL_VERSION__'; // Flask fills in a digest of the shell: any change to it is an update
const SHELL_CACHE = `menpai-shell-${VERSION}`;
const API_CACHE = 'menpai-api'; // the page deletes it on logout and login
const SHELL = [
  './', 'app.css', 'manifest.webmanifest',
  'js/app.js', 'js/api.js', 'js/i18n.js', 'js/store.js', 'js/outbox.js', 'js/sw-bridge.js', 'js/dom.js',
  'js/checklists.js', 'js/geo.js', 'js/navigation.js',
  'js/photos.js', 'js/multipart.js', 'js/screens/grid-houses.js', 'js/screens/house.js', 'js/screens/fire.js',
  'js/screens/lists.js', 'js/screens/staff.js', 'js/screens/password.js',
  'js/screens/login.js', 'js/screens/home.js', 'js/screens/check-in.js', 'js/screens/tasks.js',
  'js/screens/outbox.js', 'js/screens/plate.js',
  'js/write.js', 'js/screens/tenants.js', 'js/screens/houses.js', 'js/screens/declare.js', 'js/screens/notices.js',
  'js/screens/monthly.js', 'js/screens/notifications.js', 'js/screens/photos.js', 'js/push.js', 'js/self-check.js',
  'js/scanner.js', 'js/screens/scan.js', 'js/screens/my-tenancy.js', 'js/screens/phone-login.js', 'js/screens/me.js',
  'i18n/zh-CN.json', 'i18n/en.json',
  'icons/icon-192.png', 'icons/icon-512.png', 'icons/maskable-192.png', 'icons/maskable-512.png',
  'icons/apple-touch-icon.png',
];
// The QR decoder (vendor/, 1 MB of wasm) is not in the shell, so installing stays light: cached the first time
// the scanner opens, in a cache named after the decoder's files that outlives shell updates.
const VENDOR_CACHE = 'menpai-vendor-__VENDOR_VERSION__';
// Personal data is never kept on the phone: these answers are not cached, even for offline reading (the staff
// accounts of #/staff included).
const NEVER_CACHE = [/^\/api\/v1\/tenancies/, /^\/api\/v1\/people\//, /^\/api\/v1\/me\/sessions/, /^\/api\/v1\/users/];
// Lists whose query is only where I stand: cached under the bare path, so an offline reload a few metres
// further on still finds the list.
const POSITIONAL = new Set(['/api/v1/tasks']);
const NETWORK_TIMEOUT_MS = 6000; // a stairwell's one bar: after this, a cached answer is better than waiting

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // cache: 'reload' skips the HTTP cache, so the new version never precaches an old file.
    await cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' })));
    if (self.registration.active) await tell({ type: 'update-available', version: VERSION });
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    const old = (n) => (n.startsWith('menpai-shell-') && n !== SHELL_CACHE) || (n.startsWith('menpai-vendor-') && n !== VENDOR_CACHE);
    await Promise.all(names.filter(old).map((n) => caches.delete(n)));
    await self.clients.claim(); // the first visit is controlled at once, so it works offline from now on
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting(); // only when the user agreed to reload
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return; // writes go to the network untouched
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/v1/')) {
    event.respondWith(networkFirst(request, url));
  } else if (request.mode === 'navigate' && url.pathname.startsWith('/app/')) {
    event.respondWith(shellFirst(new URL('./', self.registration.scope).href, request));
  } else if (url.pathname.startsWith('/app/vendor/')) {
    event.respondWith(vendorFirst(request));
  } else if (url.pathname.startsWith('/app/')) {
    event.respondWith(shellFirst(request, request));
  }
});

async function shellFirst(key, request) {
  const cached = await caches.match(key, { cacheName: SHELL_CACHE, ignoreSearch: true });
  return cached || fetch(request);
}

async function vendorFirst(request) {
  const cache = await caches.open(VENDOR_CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request, url) {
  const cache = await caches.open(API_CACHE);
  const key = POSITIONAL.has(url.pathname) ? url.origin + url.pathname : request;
  const keep = !NEVER_CACHE.some((re) => re.test(url.pathname));
  const network = fetch(request).then(async (response) => {
    if (keep && response.ok && isJson(response)) await cache.put(key, response.clone());
    return response;
  });
  const cached = keep ? await cache.match(key) : undefined;
  if (!cached) return network; // nothing to fall back on: the network's answer or its error
  network.catch(() => {}); // answered from the cache below: a late network failure is expected, not an error
  return Promise.race([network, timeout(NETWORK_TIMEOUT_MS)]).catch(() => cached).then((r) => r || cached);
}

function isJson(response) {
  return (response.headers.get('Content-Type') || '').includes('application/json');
}

function timeout(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}

async function tell(message) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage(message);
}

// Web Push: the server's payload is {title, body, url, notice_id} (backend/notify/outbox.py push_payload, ≤ 3 KB).
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data.text() };
  }
  const tag = data.notice_id ? `notice-${data.notice_id}` : 'menpai'; // a newer message about a notice replaces the older
  event.waitUntil(self.registration.showNotification(data.title || '', {
    body: data.body || '',
    tag,
    renotify: true,
    icon: 'icons/icon-192.png',
    data: { url: data.url || './' },
  }));
});

// A tap on the notification: the app's window at the notice (an open one is reused), never a foreign URL.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const scope = new URL(self.registration.scope);
  let target = new URL(event.notification.data?.url || './', scope);
  if (target.origin !== scope.origin || !target.pathname.startsWith(scope.pathname)) target = scope;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((client) => new URL(client.url).pathname.startsWith(scope.pathname));
    if (!open) return self.clients.openWindow(target.href);
    await open.focus();
    return open.navigate(target.href);
  })());
});
