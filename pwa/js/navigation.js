// Which screen the user is on: a counter bumped by every navigation (app.js route()), not the URL hash, so that
// A → B → A is a new screen A. A screen's wait (an API read, a GPS fix, a push subscription) that ends after the
// user has moved on never settles: on one bar of signal its late answer must not draw over the screen now shown.

let current = 0;

/** A new screen is being drawn (the router calls it before each screen). */
export function navigated() {
  current += 1;
  return current;
}

/** The navigation now shown: pass it to onThisScreen for a wait started earlier. */
export const here = () => current;

const never = () => new Promise(() => {});

/** promise's outcome while the user is still on the screen that started it (`from`, default now); else never. */
export function onThisScreen(promise, from = current) {
  return Promise.resolve(promise).then(
    (value) => (current === from ? value : never()),
    (error) => (current === from ? Promise.reject(error) : never()),
  );
}
