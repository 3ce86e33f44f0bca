// Talking to /api/v1: JSON both ways, the session cookie, the CSRF token on writes, errors as ApiError.
import { currentLanguage, t } from './i18n.js';
import { here, onThisScreen } from './navigation.js';

export const API_CACHE = 'menpai-api'; // the service worker's cache of API reads (sw.js)

/** The API's error envelope {"error": {code, message, fields}} as an exception; status 0 = no network. */
export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.name = 'ApiError';
    Object.assign(this, { status, code, fields });
  }
}

let csrfToken = null;
/** The token from the login response or GET /me; writes carry it in X-CSRF-Token. */
export const setCsrf = (token) => { csrfToken = token || null; };

const isForm = (body) => typeof FormData !== 'undefined' && body instanceof FormData; // a photo upload

function headers(method, body, extra, contentType) {
  const out = { Accept: 'application/json', 'Accept-Language': currentLanguage(), ...extra };
  if (body !== undefined && !isForm(body)) out['Content-Type'] = contentType || 'application/json'; // a FormData sets its own
  if (method !== 'GET' && csrfToken) out['X-CSRF-Token'] = csrfToken;
  return out;
}

/**
 * fetch() with our headers; resolves to the Response whatever its status, rejects only without a network.
 * With contentType the body goes as it is (a queued photo's bytes: the same bytes, the same request on a replay).
 */
export function send({ method = 'GET', url, body, headers: extra = {}, contentType = null }) {
  return fetch(url, {
    method,
    credentials: 'same-origin',
    headers: headers(method, body, extra, contentType),
    body: body === undefined || isForm(body) || contentType ? body : JSON.stringify(body),
  });
}

/** The JSON object of a response, or undefined when it is not one (a captive portal's login page, say). */
export async function readJson(response) {
  if (!(response.headers.get('Content-Type') || '').includes('application/json')) return undefined;
  try {
    const data = await response.json();
    return data !== null && typeof data === 'object' ? data : undefined;
  } catch {
    return undefined;
  }
}

export function errorOf(status, data) {
  const e = data?.error;
  if (e && typeof e === 'object') return new ApiError(status, e.code || 'error', e.message || t('error.generic'), e.fields || {});
  return new ApiError(status, status >= 500 ? 'server' : 'bad_response', t(status >= 500 ? 'error.server' : 'error.bad_response'));
}

/**
 * api('/api/v1/me') → the JSON body; throws ApiError (code 'offline' when the network is unreachable).
 * A read (GET) that answers after the user has moved to another screen never settles (navigation.js): on one bar
 * of signal the screen that asked must not draw its late answer over the one now shown. Writes always settle;
 * `keep: true` for a read that is not a screen's (who am I).
 */
export async function api(url, { keep = false, ...options } = {}) {
  const from = keep || (options.method && options.method !== 'GET') ? null : here();
  const wait = (promise) => (from === null ? promise : onThisScreen(promise, from));
  let response;
  try {
    response = await wait(send({ url, ...options }));
  } catch {
    throw new ApiError(0, 'offline', t('error.offline'));
  }
  const data = await wait(readJson(response));
  if (!response.ok || data === undefined) {
    const err = errorOf(response.status, data);
    err.retryAfter = response.headers.get('Retry-After'); // a 429: seconds until the server takes another try
    throw err;
  }
  return data;
}

/** Forget every cached API answer (logout, another user logging in). */
export async function wipeApiCache() {
  if ('caches' in self) await caches.delete(API_CACHE);
}
