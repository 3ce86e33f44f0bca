// Reading a doorplate's QR code: the rear camera, the phone's own BarcodeDetector where it has one (Chrome on
// Android), else the self-hosted zxing-wasm polyfill in pwa/vendor/ (scripts/vendor.mjs), loaded only now.
// What a code says is trusted only when it is one of our plates: a sticker over the QR may point anywhere.

// A plate's QR holds {origin}/d/{token} and nothing else (DESIGN "Doorplate token"; a public contract).
const PLATE_PATH = /^\/d\/([0-9A-Za-z]{6,64})$/;

/**
 * The token when text is exactly a doorplate URL of origin; otherwise {reason}: 'foreign' (another site, a
 * look-alike host, not a URL at all) or 'not_plate' (our site, but not a plate). Never opened either way.
 */
export function readPlate(text, origin) {
  const raw = String(text).trim();
  let url;
  try {
    url = new URL(raw);
  } catch {
    return { reason: 'foreign' };
  }
  if (url.origin !== origin || url.username || url.password) return { reason: 'foreign' };
  const match = PLATE_PATH.exec(url.pathname);
  if (!match || url.search || url.hash) return { reason: 'not_plate' };
  // Exactly as printed: the URL parser would also forgive tabs, newlines, backslashes, dot segments, ':443'.
  const same = raw.slice(0, origin.length).toLowerCase() === origin.toLowerCase() && raw.slice(origin.length) === url.pathname;
  return same ? { token: match[1] } : { reason: 'not_plate' };
}

let detector = null;

/** A detector for QR codes: {detect(source) → [{rawValue}], kind: 'native' | 'zxing'}; the wasm is fetched once. */
export function qrDetector() {
  detector ??= makeDetector().catch((err) => {
    detector = null; // offline before the decoder was ever cached: try again next time
    throw err;
  });
  return detector;
}

async function makeDetector() {
  if ('BarcodeDetector' in self) {
    try {
      if ((await self.BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
        return withKind(new self.BarcodeDetector({ formats: ['qr_code'] }), 'native');
      }
    } catch {
      // a BarcodeDetector that cannot list its formats: the polyfill it is
    }
  }
  const zxing = await import('../vendor/barcode-detector/ponyfill.js');
  const wasm = new URL('../vendor/zxing-wasm/zxing_reader.wasm', import.meta.url).href;
  // Its default is a CDN: point it at our own copy, and instantiate now so a missing file fails here.
  await zxing.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? wasm : prefix + path) },
    fireImmediately: true,
  });
  return withKind(new zxing.BarcodeDetector({ formats: ['qr_code'] }), 'zxing');
}

function withKind(d, kind) {
  return { kind, detect: (source) => d.detect(source) };
}

/** The rear camera in video; {torch: supported?, setTorch(on), stop()}. Throws getUserMedia's DOMException. */
export async function openCamera(video) {
  if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('no camera API', 'NotFoundError');
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  const [track] = stream.getVideoTracks();
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  return {
    torch: Boolean(track.getCapabilities?.().torch),
    setTorch: (on) => track.applyConstraints({ advanced: [{ torch: on }] }),
    stop: () => {
      for (const t of stream.getTracks()) t.stop();
      video.srcObject = null;
    },
  };
}

/** Read frames of video every interval ms until stop() or the video leaves the page; onText(rawValue) per code. */
export function scanFrames(video, qr, onText, interval = 150) {
  let stopped = false;
  const tick = async () => {
    if (stopped || !video.isConnected) return;
    if (video.readyState >= 2 && video.videoWidth) {
      try {
        for (const code of await qr.detect(video)) if (!stopped) onText(code.rawValue);
      } catch (err) {
        console.warn('scan frame', err);
      }
    }
    if (!stopped) setTimeout(tick, interval);
  };
  tick();
  return () => { stopped = true; };
}

const PHOTO_MAX_PX = 2048; // a 12 MP photo is 48 MB of RGBA inside the wasm; a plate still reads at this size

/** The codes in a photo (a File from <input type=file capture>), read by the same detector. */
export async function scanPhoto(file, qr) {
  let bitmap = await createImageBitmap(file);
  const scale = PHOTO_MAX_PX / Math.max(bitmap.width, bitmap.height);
  if (scale < 1) {
    const full = bitmap;
    const size = { resizeWidth: Math.round(full.width * scale), resizeHeight: Math.round(full.height * scale) };
    bitmap = await createImageBitmap(full, { ...size, resizeQuality: 'high' });
    full.close();
  }
  try {
    return (await qr.detect(bitmap)).map((code) => code.rawValue);
  } finally {
    bitmap.close();
  }
}
