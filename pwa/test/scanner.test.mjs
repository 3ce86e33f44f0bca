// The scanner opens only our own doorplates: node --test pwa/test/
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readPlate } from '../js/scanner.js';

const ORIGIN = 'https://menpai.example.cn';
const TOKEN = 'A2345678Q02XYZWVUTSRQPN';

test('a plate URL of our own origin gives its token', () => {
  assert.deepEqual(readPlate(`${ORIGIN}/d/${TOKEN}`, ORIGIN), { token: TOKEN });
  assert.deepEqual(readPlate(` ${ORIGIN}/d/${TOKEN}\n`, ORIGIN), { token: TOKEN }, 'whitespace a decoder kept');
  assert.deepEqual(readPlate(`HTTPS://MENPAI.EXAMPLE.CN/d/${TOKEN}`, ORIGIN), { token: TOKEN }, 'scheme and host are case-free');
  assert.deepEqual(readPlate(`http://127.0.0.1:5000/d/${TOKEN}`, 'http://127.0.0.1:5000'), { token: TOKEN });
});

test('another origin, a look-alike or not a URL is foreign', () => {
  const foreign = [
    `https://evil.example/d/${TOKEN}`,
    `http://menpai.example.cn/d/${TOKEN}`, // same host, other scheme
    `https://menpai.example.cn:8443/d/${TOKEN}`, // other port
    `https://menpai.example.cn.evil.example/d/${TOKEN}`,
    `https://menpai-example.cn/d/${TOKEN}`,
    `https://menpai.example.cn@evil.example/d/${TOKEN}`, // userinfo trick: the host is evil.example
    `https://user@menpai.example.cn/d/${TOKEN}`, // our host, but a URL no plate carries
    `https://xn--menpai-9ja.example.cn/d/${TOKEN}`, // punycode look-alike
    `//menpai.example.cn/d/${TOKEN}`,
    `/d/${TOKEN}`,
    TOKEN,
    'WIFI:S:cafe;T:WPA;P:secret;;',
    'javascript:alert(1)',
    '',
  ];
  for (const text of foreign) assert.deepEqual(readPlate(text, ORIGIN), { reason: 'foreign' }, text);
});

test('our origin but not exactly a plate is not opened either', () => {
  const notPlate = [
    `${ORIGIN}/d/${TOKEN}?next=https://evil.example`,
    `${ORIGIN}/d/${TOKEN}#x`,
    `${ORIGIN}/d/${TOKEN}/`,
    `${ORIGIN}/d/../app/`,
    `${ORIGIN}/d/`,
    `${ORIGIN}/app/#/plate/${TOKEN}`,
    `${ORIGIN}/d/abc-def`,
    `${ORIGIN}/d/A2345678\nQ02XYZWVUTSRQPN`, // the URL parser drops tabs and newlines: not as printed
    `${ORIGIN}\\d\\${TOKEN}`, // …and reads backslashes as slashes
    `${ORIGIN}/x/../d/${TOKEN}`,
    `${ORIGIN}:443/d/${TOKEN}`,
    `${ORIGIN}/%64/${TOKEN}`,
  ];
  for (const text of notPlate) assert.deepEqual(readPlate(text, ORIGIN), { reason: 'not_plate' }, text);
});
