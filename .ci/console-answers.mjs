/* global fetch, URLSearchParams */
// Does the console that `npm start` printed answer as a browser would find it?
// The printed URL carries the token in its fragment (`/#token=…`: a fragment never
// leaves the browser). The page and its assets load without it; the data does not:
// a guarded endpoint refuses a request without the token and answers one with it.
// Usage: node .ci/console-answers.mjs URL
const printed = process.argv[2];
if (!printed) {
  console.error('usage: node .ci/console-answers.mjs URL');
  process.exit(2);
}
const url = new URL(printed);
const token = new URLSearchParams(url.hash.slice(1)).get('token');
if (!token) throw new Error(`${printed} carries no token in its fragment (#token=…)`);
const page = new URL('/', url);
const get = async (u, headers = {}) => {
  const r = await fetch(u, { headers });
  if (!r.ok) throw new Error(`${u} answered ${r.status}`);
  return r.text();
};
const html = await get(page);
if (!html.includes('<title>Architect</title>') || !html.includes('id="root"')) throw new Error(`${page} is not the console's page`);
const assets = [...html.matchAll(/(?:src|href)="(\.?\/assets\/[^"]+)"/g)].map((m) => new URL(m[1], page));
if (assets.length === 0) throw new Error(`${page} names no script or stylesheet`);
for (const asset of assets) await get(asset);
const guarded = new URL('/api/route/rules', page);
const anonymous = await fetch(guarded);
if (anonymous.status !== 401) throw new Error(`${guarded} answered ${anonymous.status} without the token (expected 401)`);
await get(guarded, { authorization: `Bearer ${token}` });
console.log(`the console answers at ${page.origin}: its page and ${assets.length} assets load, and the printed token opens its data`);
