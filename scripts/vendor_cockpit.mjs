// Copy the cockpit page's libraries (npm echarts, gcoord: installed by `npm ci` from package-lock.json) from
// node_modules/ into static/vendor/, which is committed: only the two minified browser builds and their licences,
// never node_modules itself. A clone serves the cockpit without node, npm or a network; tests/test_cockpit_page.py
// checks the copies match node_modules/ when it is there.
// Run after changing a version in package.json: npm install && node scripts/vendor_cockpit.mjs
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modules = join(root, 'node_modules');
const out = join(root, 'static', 'vendor');
export const FILES = {
  echarts: ['dist/echarts.min.js', 'LICENSE'],
  gcoord: ['dist/gcoord.global.prod.js', 'LICENSE'],
};
const versions = [];
for (const [name, files] of Object.entries(FILES)) {
  mkdirSync(join(out, name), { recursive: true });
  for (const file of files) copyFileSync(join(modules, name, file), join(out, name, file.split('/').pop()));
  versions.push(`${name} ${JSON.parse(readFileSync(join(modules, name, 'package.json'), 'utf8')).version}`);
}
writeFileSync(join(out, 'VERSIONS'), versions.join('\n') + '\n');
console.log(`static/vendor: ${versions.join(', ')}`);
