// Camera photos for a form: <input type=file capture=environment> → uploaded at once (POST /api/v1/photos; the
// server strips EXIF and GPS), shown as thumbnails that can be removed; the form sends the photo ids.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { uploadPhoto } from '../write.js';

/** photoPicker({name, label}) → {element, ids(), busy()}: ids of the uploaded photos still kept, in order. */
export function photoPicker({ name, label }) {
  const kept = []; // {file, id|null, li}
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, id: `pick-${name}`, name, class: 'file' });
  const thumbs = h('ul', { class: 'thumbs', 'data-thumbs': name });
  input.addEventListener('change', () => {
    for (const file of input.files) add(file);
    input.value = ''; // the same photo may be chosen again after removing it
  });

  function add(file) {
    const url = URL.createObjectURL(file);
    const entry = { file, id: null, done: false };
    const state = h('span', { class: 'muted' }, t('landlord.photos.uploading'));
    const remove = h('button', { type: 'button', class: 'small secondary', 'data-action': 'remove-photo', 'aria-label': t('landlord.photos.remove') }, '×');
    entry.li = h('li', { 'data-photo': 'uploading' }, h('img', { src: url, alt: t('landlord.photos.alt'), width: 72, height: 72 }), state, remove);
    remove.addEventListener('click', () => {
      kept.splice(kept.indexOf(entry), 1);
      entry.li.remove();
      URL.revokeObjectURL(url);
    });
    kept.push(entry);
    thumbs.append(entry.li);
    uploadPhoto(file).then((photo) => {
      entry.id = photo.id;
      entry.li.dataset.photo = photo.id;
      state.textContent = '';
    }, (err) => {
      entry.li.dataset.photo = 'failed';
      state.className = 'error';
      state.textContent = err.fields?.photo || err.message;
    }).finally(() => { entry.done = true; });
  }

  return {
    element: h('div', { class: 'photos', 'data-field': name }, h('label', { for: input.id, class: 'btn secondary' }, label), input, thumbs),
    ids: () => kept.filter((e) => e.id !== null).map((e) => e.id),
    busy: () => kept.some((e) => !e.done),
  };
}
