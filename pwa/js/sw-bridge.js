// The one module that talks to the service worker: register it, say when the app works offline, and offer an
// update (a new shell is installed and waiting) — the page reloads only when the user agrees.

export async function startServiceWorker({ onReady = () => {}, onUpdate = () => {} } = {}) {
  const sw = navigator.serviceWorker;
  if (!sw) return null;
  const firstVisit = !sw.controller;
  let registration;
  try {
    registration = await sw.register('/app/sw.js', { scope: '/app/' });
  } catch (err) {
    console.warn('service worker not registered', err);
    return null;
  }
  let offered = false;
  const offer = () => {
    if (offered || !registration.waiting || !sw.controller) return;
    offered = true;
    onUpdate(() => apply(registration));
  };
  const watch = (worker) => worker?.addEventListener('statechange', () => {
    if (worker.state === 'installed') offer();
    if (worker.state === 'activated' && firstVisit) onReady();
  });
  offer(); // installed on an earlier visit and still waiting
  watch(registration.installing);
  registration.addEventListener('updatefound', () => watch(registration.installing));
  sw.addEventListener('message', (event) => {
    if (event.data?.type === 'update-available') (registration.waiting ? offer() : watch(registration.installing));
  });
  // An installed app can stay open for days: look for a new version whenever it is shown again.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
  return registration;
}

function apply(registration) {
  navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
  registration.waiting?.postMessage({ type: 'skip-waiting' });
}
