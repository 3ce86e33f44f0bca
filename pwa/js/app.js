// The app: who is logged in, the router on location.hash, the header (outbox, language, update, offline).
import { api, ApiError, send, setCsrf, wipeApiCache } from './api.js';
import { ask, h, show, toast } from './dom.js';
import { formatTime, loadLanguage, otherLanguage, switchLanguage, t } from './i18n.js';
import { navigated } from './navigation.js';
import { createOutbox, startAutoFlush } from './outbox.js';
import { turnOff as turnOffPush } from './push.js';
import { checkInScreen } from './screens/check-in.js';
import { myNoticesScreen, noticeNewScreen, noticeScreen as fireNoticeScreen, reinspectListScreen } from './screens/fire.js';
import { gridHousesScreen } from './screens/grid-houses.js';
import { houseScreen as staffHouseScreen } from './screens/house.js';
import { listsScreen } from './screens/lists.js';
import { declareScreen } from './screens/declare.js';
import { homeScreen, placeholderScreen } from './screens/home.js';
import { houseScreen, housesScreen } from './screens/houses.js';
import { loginScreen } from './screens/login.js';
import { meScreen } from './screens/me.js';
import { monthlyScreen } from './screens/monthly.js';
import { myTenancyScreen } from './screens/my-tenancy.js';
import { noticeScreen, noticesScreen } from './screens/notices.js';
import { notificationsScreen } from './screens/notifications.js';
import { errorText, outboxScreen } from './screens/outbox.js';
import { passwordScreen } from './screens/password.js';
import { findScreen, plateScreen } from './screens/plate.js';
import { scanScreen } from './screens/scan.js';
import { staffScreen } from './screens/staff.js';
import { isReviewAnswer, reviewsScreen, tasksScreen, verifyScreen } from './screens/tasks.js';
import { tenantsScreen } from './screens/tenants.js';
import { createStore, memoryStore } from './store.js';
import { startServiceWorker } from './sw-bridge.js';

const STAFF = ['grid_worker', 'fire_officer', 'police', 'supervisor', 'admin'];
const LOGOUT_PENDING = 'menpai.logout-pending';

const session = { user: null };
const outbox = createOutbox({
  store: 'indexedDB' in self ? createStore('menpai-outbox', 'items') : memoryStore(),
  send,
  owner: () => session.user?.username ?? null,
  // One tab flushes at a time (the server's idempotency would absorb a double send, but why make it).
  lock: (fn) => (navigator.locks ? navigator.locks.request('menpai-outbox', fn) : fn()),
});

// A visit queued offline and sent later that went to the supervisor's review: the worker is told then.
outbox.onDone((item, data) => { if (isReviewAnswer(item, data)) toast(t('verify.review'), 8000); });

// Routes: [pattern, screen, who may open it ('any' = also logged out)].
const ROUTES = [
  [/^\/?$/, homeScreen, 'user'],
  [/^\/login$/, loginScreen, 'any'],
  [/^\/check-in\/([^/]+)$/, checkInScreen, 'any'],
  [/^\/tasks$/, tasksScreen, ['grid_worker']],
  [/^\/tasks\/(\d+)$/, verifyScreen, ['grid_worker']],
  [/^\/grid-houses$/, gridHousesScreen, ['grid_worker']],
  [/^\/reviews$/, reviewsScreen, ['supervisor', 'admin']],
  [/^\/staff$/, staffScreen, ['supervisor', 'admin']],
  [/^\/password$/, passwordScreen, 'user'],
  [/^\/house\/(\d+)$/, staffHouseScreen, STAFF],
  [/^\/house\/(\d+)\/notice$/, noticeNewScreen, ['fire_officer']],
  [/^\/my-notices$/, myNoticesScreen, ['fire_officer']],
  [/^\/reinspect$/, reinspectListScreen, ['fire_officer']],
  [/^\/notice\/(\d+)$/, fireNoticeScreen, ['fire_officer']],
  [/^\/lists$/, listsScreen, ['police', 'supervisor', 'admin', 'fire_officer']],
  [/^\/outbox$/, outboxScreen, 'user'],
  [/^\/find$/, findScreen, 'user'],
  [/^\/scan$/, scanScreen, 'user'],
  [/^\/my-tenancy$/, myTenancyScreen, ['tenant']],
  [/^\/me$/, meScreen, ['tenant']],
  [/^\/plate\/([^/]+)$/, plateScreen, 'any'],
  [/^\/tenants$/, tenantsScreen, ['landlord']],
  [/^\/houses$/, housesScreen, ['landlord']],
  [/^\/houses\/(\d+)$/, houseScreen, ['landlord']],
  [/^\/declare$/, declareScreen, ['landlord']],
  [/^\/notices$/, noticesScreen, ['landlord']],
  [/^\/notices\/(\d+)$/, noticeScreen, ['landlord']],
  [/^\/monthly$/, monthlyScreen, ['landlord']],
  [/^\/notifications$/, notificationsScreen, 'user'],
  [/^\/soon\/([\w-]+)$/, placeholderScreen, 'user'],
];

function parseHash() {
  const [path, search = ''] = window.location.hash.replace(/^#/, '').split('?');
  return { path: path || '/', query: new URLSearchParams(search) };
}

export function navigate(hash) {
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

const ctx = {
  session,
  outbox,
  navigate,
  isStaff: () => STAFF.includes(session.user?.role),
  logIn,
  signInWithCode,
  logOut,
  /** Whether the signed-in account may open a screen for these roles: a resident is a landlord and a tenant. */
  may: (roles) => allowed(roles, session.user?.role),
};

function allowed(roles, role) {
  return roles.includes(role) || (role === 'resident' && (roles.includes('landlord') || roles.includes('tenant')));
}

async function route() {
  navigated(); // the previous screen's waits never settle now, even if the same hash comes back (navigation.js)
  const { path, query } = parseHash();
  for (const [pattern, screen, who] of ROUTES) {
    const match = path.match(pattern);
    if (!match) continue;
    if (session.user && session.mustChangePassword && screen !== passwordScreen) {
      // Signed in with a one-time password: the server answers nothing else until it is changed.
      navigate(`#/password?next=${encodeURIComponent(`#${path}`)}`);
      return;
    }
    if (who !== 'any' && !session.user) {
      navigate(`#/login?next=${encodeURIComponent(`#${path}`)}`);
      return;
    }
    if (Array.isArray(who) && !allowed(who, session.user.role)) {
      show(h('h1', {}, t('error.title')), h('p', { class: 'error' }, t('error.not_for_role')));
      return;
    }
    try {
      await screen(ctx, ...match.slice(1).map(decodeURIComponent), query);
    } catch (err) {
      console.error(err);
      show(h('h1', {}, t('error.title')), h('p', { class: 'error' }, err instanceof ApiError ? err.message : t('error.generic')));
    }
    updateHeader();
    return;
  }
  navigate('#/');
}

/** The user from the login response or GET /me (the service worker answers it from its cache when offline). */
function setUser(me) {
  session.user = me?.user ?? null;
  session.mustChangePassword = Boolean(me?.must_change_password);
  setCsrf(me?.csrf_token);
  if (session.user && STAFF.includes(session.user.role)) navigator.storage?.persist?.().catch(() => {});
}

async function loadMe() {
  try {
    setUser(await api('/api/v1/me', { keep: true }));
  } catch (err) {
    if (err.status !== 401) console.warn('who am I?', err);
    setUser(null);
  }
}

async function logIn(username, password) {
  await started(await api('/api/v1/auth/login', { method: 'POST', body: { username, password } }));
}

/** A session has begun (password or phone): forget what another account read, learn who I am. */
async function started(me) {
  localStorage.removeItem(LOGOUT_PENDING); // logging in on this device has ended the session left behind
  await wipeApiCache(); // nothing another account read may answer for this one
  setUser(me);
  await api('/api/v1/me', { keep: true }).catch(() => {}); // through the service worker: who I am is then known offline too
  outbox.flush({ force: true }).catch(() => {});
}

/** Sign in with a phone and the code sent to it (a resident; the first sign-in makes the account). */
async function signInWithCode(phone, code) {
  const me = await api('/api/v1/auth/sms-login', { method: 'POST', body: { phone, code } });
  await started(me);
}

/** Log out; with unsent items, only after a warning. Cached API answers are wiped either way. */
async function logOut() {
  const { count } = await outbox.status();
  if (count && !(await ask(t('logout.unsent', { n: count }), t('logout.anyway'), t('logout.stay')))) return;
  await turnOffPush().catch(() => {}); // offline: the server drops it at the next push (the endpoint is gone)
  try {
    await api('/api/v1/auth/logout', { method: 'POST', body: {} });
  } catch (err) {
    // Offline: forget everything here now, end the session on the server at the next start.
    if (err.code === 'offline') localStorage.setItem(LOGOUT_PENDING, '1');
  }
  await outbox.clear();
  await wipeApiCache();
  setUser(null);
  navigate('#/login');
}

async function finishPendingLogout() {
  if (!localStorage.getItem(LOGOUT_PENDING) || !navigator.onLine) return;
  try {
    setUser(await api('/api/v1/me', { keep: true }));
    await api('/api/v1/auth/logout', { method: 'POST', body: {} });
  } catch (err) {
    if (err.code === 'offline') return;
  }
  localStorage.removeItem(LOGOUT_PENDING);
  setUser(null);
}

async function updateHeader() {
  document.querySelector('.brand').textContent = t('app.name');
  document.title = t('app.name');
  const lang = document.getElementById('lang');
  lang.textContent = t(`lang.${otherLanguage()}`);
  const offline = document.getElementById('offline');
  offline.textContent = t('app.offline');
  offline.hidden = navigator.onLine;
  const badge = document.getElementById('outbox-indicator');
  const { pending, attention, lastSync, lastError } = await outbox.status();
  badge.hidden = !session.user || (!ctx.isStaff() && !pending.length && !attention.length);
  badge.classList.toggle('attention', attention.length > 0);
  badge.dataset.pending = pending.length;
  badge.dataset.attention = attention.length;
  badge.dataset.error = (pending.length && lastError?.code) || '';
  const parts = [
    pending.length ? t('outbox.badge.pending', { n: pending.length }) : null,
    attention.length ? t('outbox.badge.attention', { n: attention.length }) : null,
  ].filter(Boolean);
  const idle = lastSync ? t('outbox.badge.synced', { time: formatTime(lastSync, { short: true }) }) : t('outbox.badge.empty');
  badge.textContent = parts.length ? parts.join(' · ') : idle;
  badge.title = pending.length ? errorText(lastError) : '';
}

function offerUpdate(apply) {
  const banner = document.getElementById('update');
  banner.replaceChildren(
    h('span', {}, t('update.available')),
    h('button', { class: 'small', type: 'button', onclick: apply }, t('update.reload')),
  );
  banner.hidden = false;
}

async function start() {
  await loadLanguage();
  document.getElementById('lang').addEventListener('click', async () => {
    await switchLanguage();
    route();
  });
  window.addEventListener('online', updateHeader);
  window.addEventListener('offline', updateHeader);
  window.addEventListener('hashchange', route);
  outbox.subscribe(() => {
    updateHeader();
    if (parseHash().path === '/outbox') route(); // the outbox screen shows what changed
  });
  await finishPendingLogout();
  await loadMe();
  await route();
  startAutoFlush(outbox);
  startServiceWorker({ onReady: () => toast(t('app.ready_offline')), onUpdate: offerUpdate });
}

start();
