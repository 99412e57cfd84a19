// The Auth.js, NextAuth.js v4 and iron-session side of the interop tests. Each command
// calls the real library, takes one JSON argument and prints one JSON line:
//
//   node nextjs.mjs authjs-encode    '{"secret":"..."|[...],"salt":"...","token":{...},"maxAge":n}'
//   node nextjs.mjs authjs-decode    '{"secret":"..."|[...],"salt":"...","token":"..."}'
//   node nextjs.mjs authjs-chunk     '{"name":"...","value":"...","cookies":{...}}'   Set-Cookies of SessionStore.chunk
//   node nextjs.mjs authjs-read      '{"name":"...","cookies":{...}}'                  SessionStore.value
//   node nextjs.mjs nextauth4-encode '{"secret":"...","token":{...},"maxAge":n}'
//   node nextjs.mjs nextauth4-decode '{"secret":"...","token":"..."}'
//   node nextjs.mjs nextauth4-chunk  '{"name":"...","value":"...","cookies":{...}}'
//   node nextjs.mjs nextauth4-read   '{"name":"...","cookies":{...}}'
//   node nextjs.mjs iron-seal        '{"password":"..."|{id:"..."},"data":{...},"ttl":s}'   sealData
//   node nextjs.mjs iron-unseal      '{"password":...,"seal":"..."}'                      unsealData
//   node nextjs.mjs iron-save        '{"password":...,"cookieName":"...","data":{...},"ttl":s,"cookies":{...}}'
//   node nextjs.mjs iron-read        '{"password":...,"cookieName":"...","cookies":{...}}'  getIronSession
//   node nextjs.mjs fixtures                                                           tests/fixtures/nextjs.json
//
// A decode that fails prints {"ok":false,"error":"..."}, so that the Rust side can compare
// verdicts.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { encode as authjsEncode, decode as authjsDecode } from '@auth/core/jwt';
import { SessionStore as AuthjsStore } from './node_modules/@auth/core/lib/utils/cookie.js';
import { getIronSession, sealData, unsealData } from 'iron-session';
import { hkdf } from '@panva/hkdf';
import { EncryptJWT, base64url, calculateJwkThumbprint } from 'jose';

const require = createRequire(import.meta.url);
const nextauth4 = require('next-auth/jwt');
const { SessionStore: Nextauth4Store } = require('./node_modules/next-auth/core/lib/cookie.js');

const quiet = { debug() {}, error() {}, warn() {} };

function setCookies(cookies) {
  return cookies.map(({ name, value, options }) => ({
    name,
    value,
    maxAge: options?.maxAge ?? null,
    expires: options?.expires ? new Date(options.expires).toISOString() : null,
  }));
}

async function verdict(run) {
  try {
    return { ok: true, payload: await run() };
  } catch (error) {
    return { ok: false, error: String(error?.code ?? error?.message ?? error) };
  }
}

// A jar over a plain object of request cookies, recording what iron-session writes.
function ironJar(cookies) {
  const written = [];
  return {
    written,
    jar: {
      read: (name) => cookies[name],
      names: () => Object.keys(cookies),
      write: (name, value, options) => written.push({ name, value, maxAge: options?.maxAge ?? null }),
    },
  };
}

// An Auth.js token under A256GCM, which Auth.js decodes but never writes: made with jose
// under Auth.js's own key derivation and kid.
async function authjsA256gcm(secret, salt, token, maxAge) {
  const key = await hkdf('sha256', secret, salt, `Auth.js Generated Encryption Key (${salt})`, 32);
  const kid = await calculateJwkThumbprint({ kty: 'oct', k: base64url.encode(key) }, 'sha256');
  const now = (Date.now() / 1000) | 0;
  return new EncryptJWT(token)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
    .setIssuedAt()
    .setExpirationTime(now + maxAge)
    .setJti(crypto.randomUUID())
    .encrypt(key);
}

const commands = {
  'authjs-encode': (a) => authjsEncode({ secret: a.secret, salt: a.salt, token: a.token, maxAge: a.maxAge }).then((token) => ({ token })),
  'authjs-encode-a256gcm': (a) => authjsA256gcm(a.secret, a.salt, a.token, a.maxAge ?? 2592000).then((token) => ({ token })),
  'authjs-decode': (a) => verdict(() => authjsDecode({ secret: a.secret, salt: a.salt, token: a.token })),
  'authjs-chunk': (a) => ({ cookies: setCookies(new AuthjsStore({ name: a.name, options: {} }, a.cookies ?? {}, quiet).chunk(a.value, {})) }),
  'authjs-read': (a) => ({ value: new AuthjsStore({ name: a.name, options: {} }, a.cookies ?? {}, quiet).value }),
  'nextauth4-encode': (a) => nextauth4.encode({ secret: a.secret, token: a.token, maxAge: a.maxAge }).then((token) => ({ token })),
  'nextauth4-decode': (a) => verdict(() => nextauth4.decode({ secret: a.secret, token: a.token })),
  'nextauth4-chunk': (a) => ({ cookies: setCookies(new Nextauth4Store({ name: a.name, options: {} }, { cookies: a.cookies ?? {}, headers: {} }, quiet).chunk(a.value, {})) }),
  'nextauth4-read': (a) => ({ value: new Nextauth4Store({ name: a.name, options: {} }, { cookies: a.cookies ?? {}, headers: {} }, quiet).value }),
  'iron-seal': (a) => sealData(a.data, { password: a.password, ttl: a.ttl }).then((seal) => ({ seal })),
  'iron-unseal': async (a) => {
    let reason = null;
    const data = await unsealData(a.seal, { password: a.password, onUnsealError: (why) => { reason = why; } });
    return reason ? { ok: false, error: reason } : { ok: true, payload: data };
  },
  'iron-save': async (a) => {
    const { jar, written } = ironJar(a.cookies ?? {});
    const session = await getIronSession(jar, { password: a.password, cookieName: a.cookieName, ttl: a.ttl, chunk: true });
    Object.assign(session, a.data);
    await session.save();
    return { cookies: written };
  },
  'iron-read': async (a) => {
    const { jar } = ironJar(a.cookies ?? {});
    let reason = null;
    const session = await getIronSession(jar, { password: a.password, cookieName: a.cookieName, onUnsealError: (why) => { reason = why; } });
    return reason ? { ok: false, error: reason } : { ok: true, payload: { ...session } };
  },
  fixtures: async () => {
    const secret = 'fixture-auth-secret-0123456789-abcdefghij';
    const password = 'fixture-iron-password-0123456789-abcdefg';
    const user = { name: 'Ada Lovelace', email: 'ada@example.com', picture: 'https://example.com/ada.png', sub: 'user-1815' };
    const big = { ...user, notes: 'x'.repeat(6000) };
    const cookieName = 'authjs.session-token';
    const maxAge = 30 * 86400;
    const authjs = await authjsEncode({ secret, salt: cookieName, token: user, maxAge });
    const authjsBig = await authjsEncode({ secret, salt: cookieName, token: big, maxAge });
    const v4 = await nextauth4.encode({ secret, token: user, maxAge });
    const iron = await sealData({ userId: 'user-1815', admin: false }, { password: { 1: password }, ttl: 14 * 86400 });
    const { jar, written } = ironJar({});
    const session = await getIronSession(jar, { password, cookieName: 'iron-session', chunk: true });
    Object.assign(session, { userId: 'user-1815', notes: 'y'.repeat(6000) });
    await session.save();
    const versions = Object.fromEntries(
      ['@auth/core', 'next-auth', 'iron-session'].map((name) => [name, JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version]),
    );
    return {
      versions,
      madeAt: (Date.now() / 1000) | 0,
      secret,
      password,
      authjs: { cookieName, token: authjs, chunks: setCookies(new AuthjsStore({ name: cookieName, options: {} }, {}, quiet).chunk(authjsBig, {})) },
      nextauth4: { cookieName: 'next-auth.session-token', token: v4 },
      iron: { seal: iron, chunks: written },
    };
  },
};

const [command, json] = process.argv.slice(2);
const run = commands[command];
if (!run) {
  console.error(`unknown command: ${command}`);
  process.exit(2);
}
const result = await run(json ? JSON.parse(json) : {});
console.log(JSON.stringify(result));
