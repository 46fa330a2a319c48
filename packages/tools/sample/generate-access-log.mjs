#!/usr/bin/env node
/**
 * Writes access.log beside this file: 200 lines of a plausible web server access log (Apache
 * combined format), the same bytes on every run (a fixed-seed generator, fixed timestamps).
 *   node packages/tools/sample/generate-access-log.mjs
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LINES = 200;
let seed = 20_240_611;
/** A small linear congruential generator: deterministic across Node versions and machines. */
function next() {
  seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
  return seed / 2 ** 32;
}
const pick = (list) => list[Math.floor(next() * list.length)];

const clients = Array.from(
  { length: 24 },
  () =>
    `${10 + Math.floor(next() * 180)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${1 + Math.floor(next() * 254)}`,
);
const users = ['-', '-', '-', '-', 'alice', 'bob', 'carol'];
const pages = [
  ['GET', '/'],
  ['GET', '/index.html'],
  ['GET', '/products'],
  ['GET', '/products/42'],
  ['GET', '/products/1337?ref=search'],
  ['GET', '/cart'],
  ['POST', '/cart/items'],
  ['POST', '/checkout'],
  ['GET', '/static/css/site.css'],
  ['GET', '/static/js/app.js'],
  ['GET', '/static/img/logo.png'],
  ['GET', '/api/v1/orders?page=2'],
  ['PUT', '/api/v1/orders/981'],
  ['DELETE', '/api/v1/sessions/current'],
  ['GET', '/search?q=flume+avro'],
  ['GET', '/favicon.ico'],
  ['GET', '/robots.txt'],
  ['GET', '/wp-login.php'],
];
const statuses = [200, 200, 200, 200, 200, 200, 304, 301, 302, 404, 403, 500, 201, 204];
const referers = [
  '-',
  '-',
  'https://www.example.com/',
  'https://search.example.org/?q=shop',
  'https://shop.example.com/products',
];
const agents = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'curl/8.5.0',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'python-requests/2.31.0',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

let time = Date.UTC(2024, 5, 11, 8, 0, 0);
const lines = [];
for (let i = 0; i < LINES; i += 1) {
  time += Math.floor(next() * 4000);
  const d = new Date(time);
  const stamp = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const [method, path] = pick(pages);
  const status = pick(statuses);
  const bytes = status === 304 || status === 204 ? 0 : 200 + Math.floor(next() * 48_000);
  lines.push(
    `${pick(clients)} - ${pick(users)} [${stamp}] "${method} ${path} HTTP/1.1" ${status} ${bytes} "${pick(referers)}" "${pick(agents)}"`,
  );
}
writeFileSync(fileURLToPath(new URL('./access.log', import.meta.url)), `${lines.join('\n')}\n`);
