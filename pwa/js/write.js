// Online writes from the landlord's screens. Each carries a client id (Idempotency-Key) that is kept while the same
// answer is sent again, so a double tap or a retry after a lost response is replayed by the server, never doubled.
import { api } from './api.js';

/** writer(url) → send(body): POST body to url; the same body reuses the key, a changed body gets a new one. */
export function writer(url) {
  let last = { body: null, key: null };
  return (body = {}) => {
    const text = JSON.stringify(body);
    if (text !== last.body) last = { body: text, key: crypto.randomUUID() };
    return api(url, { method: 'POST', body, headers: { 'Idempotency-Key': last.key } });
  };
}

/** Upload one camera photo (multipart field `photo`; the server strips EXIF and GPS) → {id, width, height, size}. */
export function uploadPhoto(file) {
  const body = new FormData();
  body.append('photo', file);
  return api('/api/v1/photos', { method: 'POST', body, headers: { 'Idempotency-Key': crypto.randomUUID() } });
}
