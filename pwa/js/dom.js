// Building the page without innerHTML: text from the server (addresses, messages) can never become markup.

/** h('p', {class: 'muted'}, 'text', child…): an element; on* attributes become listeners; null children skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  }
  return el;
}

/** Replace what the main view shows. */
export function show(...children) {
  const view = document.getElementById('view');
  view.replaceChildren(...children.flat(2).filter((c) => c !== null && c !== undefined && c !== false));
  view.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

let toastTimer;
export function toast(text, ms = 3500) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, ms);
}

/** An in-page yes/no question (a native confirm() cannot be styled or translated). */
export function ask(text, yes, no) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = yes;
  document.getElementById('confirm-no').textContent = no;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

/** Field errors from the API's envelope under the matching inputs (name=…); the rest in the form's summary. */
export function showFieldErrors(form, fields = {}) {
  for (const el of form.querySelectorAll('.field-error')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const leftover = {};
  for (const [name, message] of Object.entries(fields)) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    const target = input?.closest('[data-field]') || input;
    if (!target) { leftover[name] = message; continue; }
    if (input) input.setAttribute('aria-invalid', 'true');
    target.after(h('p', { class: 'field-error', 'data-error-for': name }, message));
  }
  return leftover;
}
