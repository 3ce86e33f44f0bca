// Camera photos for staff forms: taken with the phone's camera (capture=environment), shrunk on the phone to a
// JPEG of at most MAX_SIDE px (an upload in a stairwell should be ~200 KB, not 5 MB), kept as bytes until the
// form is sent, then queued in the outbox ahead of the write that uses them (outbox.js: provides / needs).
import { h } from './dom.js';
import { t } from './i18n.js';

const MAX_SIDE = 1600;
const QUALITY = 0.8;
export const MAX_PHOTOS = 6;

/** A picked image file → {bytes: ArrayBuffer, type: 'image/jpeg'}; the server re-encodes it (and strips EXIF) anyway. */
export async function shrink(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
  return { bytes: await blob.arrayBuffer(), type: 'image/jpeg' };
}

/** The picker: a camera button, thumbnails with a remove button. picker.shots() → [{bytes, type}]. */
export function photoPicker({ id = 'photos' } = {}) {
  const shots = [];
  const thumbs = h('div', { class: 'thumbs', id: `${id}-thumbs` });
  const status = h('p', { class: 'muted', id: `${id}-count`, 'aria-live': 'polite' });
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, id: `${id}-input`, class: 'visually-hidden' });
  const redraw = () => {
    thumbs.replaceChildren(...shots.map((shot, i) =>
      h('figure', { class: 'thumb', 'data-photo': i },
        h('img', { src: shot.url, alt: t('photos.thumb', { n: i + 1 }) }),
        h('button', { type: 'button', class: 'small secondary', 'aria-label': t('photos.remove', { n: i + 1 }), onclick: () => remove(i) }, '×'),
      )));
    status.textContent = t('photos.count', { n: shots.length });
    input.disabled = shots.length >= MAX_PHOTOS;
  };
  const remove = (i) => {
    URL.revokeObjectURL(shots[i].url);
    shots.splice(i, 1);
    redraw();
  };
  input.addEventListener('change', async () => {
    for (const file of [...input.files].slice(0, MAX_PHOTOS - shots.length)) {
      try {
        const shot = await shrink(file);
        shots.push({ ...shot, url: URL.createObjectURL(new Blob([shot.bytes], { type: shot.type })) });
      } catch {
        status.textContent = t('photos.unreadable');
      }
    }
    input.value = '';
    redraw();
  });
  redraw();
  const element = h('div', { class: 'photos', 'data-field': 'photos' },
    h('label', { for: `${id}-input`, class: 'btn secondary camera' }, t('photos.take')),
    input, status, thumbs);
  return { element, shots: () => shots.map(({ bytes, type }) => ({ bytes, type })) };
}

/** Queue the photos, then the write that needs them (its body.photos gets their server ids when sent). */
export function queueWithPhotos(outbox, shots, write) {
  const photos = shots.map((shot, i) => ({ ...shot, label: t('photos.item', { n: i + 1, label: write.label }) }));
  return outbox.addWithPhotos(write, photos);
}
