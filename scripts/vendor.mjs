// Copy the QR decoder the app loads lazily (npm barcode-detector + the zxing-wasm binary its bundle was built for)
// from node_modules/ (installed by `npm ci` from package-lock.json) into pwa/vendor/, which is committed: a clone
// then serves the scanner without node, npm or a network, and the service worker caches it like any app file.
// Run after changing the version in package.json: npm install && node scripts/vendor.mjs
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(root, 'node_modules');
const out = join(root, 'pwa', 'vendor');
const detector = join(modules, 'barcode-detector');
const bundle = readFileSync(join(detector, 'dist/es/zxing-exported.js'), 'utf8');

// The bundle carries the zxing-wasm glue code of one version and the SHA-256 of the wasm it expects: take the
// wasm from barcode-detector's own (nested) zxing-wasm when npm nested one, and refuse any other build.
const wanted = /\bee = "(\d+\.\d+\.\d+)"/.exec(bundle)?.[1];
const sha = /"([0-9a-f]{64})"/.exec(bundle)?.[1];
const nested = join(detector, 'node_modules', 'zxing-wasm');
const zxing = existsSync(nested) ? nested : join(modules, 'zxing-wasm');
const version = JSON.parse(readFileSync(join(zxing, 'package.json'), 'utf8')).version;
if (!wanted || version !== wanted) throw new Error(`barcode-detector was built for zxing-wasm ${wanted}, found ${version}`);
const wasm = readFileSync(join(zxing, 'dist/reader/zxing_reader.wasm'));
if (createHash('sha256').update(wasm).digest('hex') !== sha) throw new Error('zxing_reader.wasm is not the build the bundle expects');

mkdirSync(join(out, 'barcode-detector'), { recursive: true });
mkdirSync(join(out, 'zxing-wasm'), { recursive: true });
for (const name of ['ponyfill.js', 'zxing-exported.js']) copyFileSync(join(detector, 'dist/es', name), join(out, 'barcode-detector', name));
copyFileSync(join(detector, 'LICENSE'), join(out, 'barcode-detector', 'LICENSE'));
writeFileSync(join(out, 'zxing-wasm', 'zxing_reader.wasm'), wasm);
copyFileSync(join(zxing, 'LICENSE'), join(out, 'zxing-wasm', 'LICENSE'));
const detectorVersion = JSON.parse(readFileSync(join(detector, 'package.json'), 'utf8')).version;
writeFileSync(join(out, 'VERSIONS'), `barcode-detector ${detectorVersion}\nzxing-wasm ${version} reader sha256 ${sha}\n`);
console.log(`pwa/vendor: barcode-detector ${detectorVersion}, zxing-wasm ${version}`);
