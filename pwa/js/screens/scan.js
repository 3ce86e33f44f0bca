// 扫码: the camera reads a doorplate's QR code and opens that plate in the app (a tenant: the check-in). A code
// that is not one of our plates is shown as text with a warning, never opened: a sticker over a plate's QR is a
// known fraud. No camera, or none allowed: a photo of the plate, or the short code typed in (#/find).
import { h, show } from '../dom.js';
import { t } from '../i18n.js';
import { openCamera, qrDetector, readPlate, scanFrames, scanPhoto } from '../scanner.js';

export async function scanScreen(ctx) {
  const video = h('video', { id: 'scan-video', autoplay: true, muted: true, playsinline: true, 'aria-label': t('scan.video_label') });
  const status = h('p', { id: 'scan-status', class: 'muted', role: 'status' }, t('scan.starting'));
  const warning = h('div', { id: 'scan-warning', class: 'warning', role: 'alert', hidden: true });
  const torch = h('button', { id: 'scan-torch', class: 'secondary', type: 'button', hidden: true, 'aria-pressed': 'false' }, t('scan.torch'));
  const photo = h('input', { id: 'scan-photo', type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden' });
  show(
    h('h1', {}, t('scan.title')),
    h('div', { class: 'viewfinder' }, video),
    status,
    warning,
    torch,
    h('label', { for: 'scan-photo', class: 'btn secondary' }, t('scan.photo')),
    photo,
    h('a', { class: 'btn secondary', href: '#/find', id: 'scan-manual' }, t('scan.manual')),
  );

  let camera = null;
  let stopFrames = () => {};
  let lastWarned = null;
  const stop = () => {
    stopFrames();
    camera?.stop();
    camera = null;
  };
  window.addEventListener('hashchange', stop, { once: true });
  window.addEventListener('pagehide', stop, { once: true });

  const onText = (text) => {
    const plate = readPlate(text, window.location.origin);
    if (plate.token) {
      stop();
      ctx.navigate(ctx.session.user?.role === 'tenant' ? `#/check-in/${plate.token}` : `#/plate/${plate.token}`);
      return true;
    }
    if (text !== lastWarned) warn(warning, plate.reason, text);
    lastWarned = text;
    return false;
  };

  photo.addEventListener('change', async () => {
    const [file] = photo.files;
    photo.value = '';
    if (!file) return;
    status.textContent = t('scan.reading_photo');
    try {
      const texts = await scanPhoto(file, await qrDetector());
      if (!texts.length) status.textContent = t('scan.photo_none');
      for (const text of texts) if (onText(text)) return;
    } catch (err) {
      console.warn('photo', err);
      status.textContent = t('scan.photo_none');
    }
  });

  // The camera's picture shows while the decoder (1 MB of wasm the first time) is still on its way.
  const decoding = qrDetector();
  decoding.catch(() => {}); // answered below, or by the photo button when there is no camera
  try {
    camera = await openCamera(video);
  } catch (err) {
    status.textContent = t(err?.name === 'NotAllowedError' ? 'scan.camera_denied' : 'scan.no_camera');
    return;
  }
  const left = () => !video.isConnected && (stop(), true); // left the screen while the camera was starting
  if (left()) return;
  let qr;
  try {
    qr = await decoding;
  } catch (err) {
    console.warn('decoder', err);
    stop();
    status.textContent = t('scan.no_decoder');
    return;
  }
  if (left()) return;
  video.dataset.detector = qr.kind;
  status.textContent = t('scan.aim');
  if (camera.torch) {
    torch.hidden = false;
    torch.addEventListener('click', async () => {
      const on = torch.getAttribute('aria-pressed') !== 'true';
      try {
        await camera.setTorch(on);
        torch.setAttribute('aria-pressed', String(on));
      } catch (err) {
        console.warn('torch', err);
      }
    });
  }
  stopFrames = scanFrames(video, qr, onText);
}

function warn(box, reason, text) {
  box.replaceChildren(
    h('strong', {}, t(`scan.${reason}.title`)),
    h('p', {}, t(`scan.${reason}.text`)),
    h('p', { class: 'scanned-text', id: 'scan-content' }, text), // shown as text, never a link
  );
  box.dataset.reason = reason;
  box.hidden = false;
}
