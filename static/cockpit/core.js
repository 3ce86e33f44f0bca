// What every part of the cockpit page shares: the page's config (texts from backend/translations), the JSON API,
// and a few DOM helpers.
export const config = JSON.parse(document.getElementById('cockpit-config').textContent);

export const T = (key, params = {}) =>
  (config.texts[key] ?? key).replace(/\{(\w+)\}/g, (m, name) => (name in params ? params[name] : m));

export const $ = (sel) => document.querySelector(sel);

export const status = (text) => {
  $('#status').textContent = text || '';
};

export const failed = (err) => status(T('cockpit.page.failed') + err.message);

export const COLOURS = { grey: '#9ca3af', green: '#16a34a', yellow: '#eab308', red: '#dc2626' };

// The query string of an API call: the page's language, empty values left out.
export function query(params) {
  const out = new URLSearchParams({ ...params, lang: config.lang });
  for (const [k, v] of [...out]) if (v === '' || v == null) out.delete(k);
  return out;
}

export async function api(path, params = {}, options = {}) {
  const response = await fetch(`/api/v1/${path}?${query(params)}`, { credentials: 'same-origin', ...options });
  const body = await response.json().catch(() => null);
  if (!response.ok || body === null) throw new Error(body?.error?.message || `HTTP ${response.status}`);
  return body;
}

export function cell(tag, text) {
  const el = document.createElement(tag);
  el.textContent = text;
  return el;
}

// A table's header row of translated column names.
export function header(table, keys) {
  $(`${table} thead`).innerHTML = '<tr></tr>';
  $(`${table} thead tr`).replaceChildren(...keys.map((k) => cell('th', T(k))));
}
