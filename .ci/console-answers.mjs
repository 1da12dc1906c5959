/* global fetch */
// Does the console that `npm start` printed answer as a browser would find it?
// Opens the printed URL (the token becomes a cookie), then loads the page and every
// script and stylesheet it names. Usage: node .ci/console-answers.mjs URL
const url = process.argv[2];
if (!url) {
  console.error('usage: node .ci/console-answers.mjs URL');
  process.exit(2);
}
const login = await fetch(url, { redirect: 'manual' });
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
if (!cookie) throw new Error(`${url} answered ${login.status} without the session cookie`);
const page = new URL(login.headers.get('location') ?? '/', url);
const get = async (u) => {
  const r = await fetch(u, { headers: { cookie } });
  if (!r.ok) throw new Error(`${u} answered ${r.status}`);
  return r.text();
};
const html = await get(page);
if (!html.includes('<title>Architect</title>') || !html.includes('id="root"')) throw new Error(`${page} is not the console's page`);
const assets = [...html.matchAll(/(?:src|href)="(\.?\/assets\/[^"]+)"/g)].map((m) => new URL(m[1], page));
if (assets.length === 0) throw new Error(`${page} names no script or stylesheet`);
for (const asset of assets) await get(asset);
console.log(`the console answers at ${page.origin}: its page and ${assets.length} assets load`);
