// The jose side of the interop tests. Each command does one thing the way a Next.js app
// following the session-management guide does it, and prints one JSON line.
//
//   node jose.mjs guide-encrypt <userId>                      the guide's encrypt(): HS256 JWS
//   node jose.mjs verify-hs <alg> <token>                     jwtVerify with algorithms: [alg]
//   node jose.mjs encrypt-a256gcm <cookieName> <payloadJson>  EncryptJWT, dir + A256GCM
//   node jose.mjs decrypt-a256gcm <cookieName> <token>        jwtDecrypt, dir + A256GCM
//   node jose.mjs sign-derived <alg> <cookieName> <payloadJson>  SignJWT under the derived key
//   node jose.mjs verify-derived <alg> <cookieName> <token>   jwtVerify under the derived key
//   node jose.mjs fixtures                                    tokens for tests/fixtures/jose.json
//
// The secret comes from SESSION_SECRET, as in the guide.
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, SignJWT, jwtDecrypt, jwtVerify } from 'jose';

const secretKey = process.env.SESSION_SECRET;
if (!secretKey) {
  console.error('SESSION_SECRET is not set');
  process.exit(2);
}
const encodedKey = new TextEncoder().encode(secretKey);

// sessionkit's documented A256GCM key derivation.
function contentKey(cookieName) {
  const okm = hkdfSync('sha256', encodedKey, 'sessionkit/jwe/v1', `sessionkit A256GCM cookie=${cookieName}`, 32);
  return new Uint8Array(okm);
}

// sessionkit's documented HMAC key derivation for signed types without jose_compatible.
function signingKey(alg, cookieName) {
  const length = { HS256: 32, HS384: 48, HS512: 64 }[alg];
  const okm = hkdfSync('sha256', encodedKey, 'sessionkit/jws/v1', `sessionkit ${alg} cookie=${cookieName}`, length);
  return new Uint8Array(okm);
}

async function encryptA256gcm(cookieName, payload) {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime('7d')
    .encrypt(contentKey(cookieName));
}

// Verbatim from the guide's lib/session.ts, apart from the types.
async function encrypt(payload) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('7d')
    .sign(encodedKey);
}

const [command, ...args] = process.argv.slice(2);
let result;
switch (command) {
  case 'guide-encrypt': {
    const expiresAt = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000);
    const token = await encrypt({ userId: args[0], expiresAt });
    result = { token, expiresAt: expiresAt.toISOString() };
    break;
  }
  case 'verify-hs': {
    const { payload, protectedHeader } = await jwtVerify(args[1], encodedKey, { algorithms: [args[0]] });
    result = { payload, protectedHeader };
    break;
  }
  case 'encrypt-a256gcm': {
    result = { token: await encryptA256gcm(args[0], JSON.parse(args[1])) };
    break;
  }
  case 'decrypt-a256gcm': {
    const { payload, protectedHeader } = await jwtDecrypt(args[1], contentKey(args[0]), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    result = { payload, protectedHeader };
    break;
  }
  case 'sign-derived': {
    const token = await new SignJWT(JSON.parse(args[2]))
      .setProtectedHeader({ alg: args[0] })
      .setIssuedAt()
      .setExpirationTime('7d')
      .sign(signingKey(args[0], args[1]));
    result = { token };
    break;
  }
  case 'verify-derived': {
    const { payload, protectedHeader } = await jwtVerify(args[2], signingKey(args[0], args[1]), {
      algorithms: [args[0]],
    });
    result = { payload, protectedHeader };
    break;
  }
  case 'fixtures': {
    const payload = { userId: 'fixture-user', expiresAt: new Date(Date.now() + 7 * 24 * 60 * 60 * 1000) };
    result = {
      secret: secretKey,
      jose: '6.2.18',
      guideHs256: await encrypt(payload),
      encryptJwtA256gcm: await encryptA256gcm('session', payload),
      // A Next.js app that sets a key id and a type: jose itself ignores both on verify.
      kidTypHs256: await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: 'nextjs-key-1', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('7d')
        .sign(encodedKey),
      // No iat: optional in RFC 7519 and in jose.
      noIatHs256: await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('7d')
        .sign(encodedKey),
      // A signed type without jose_compatible: the key is derived from the cookie name.
      derivedHs256: await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('7d')
        .sign(signingKey('HS256', 'session')),
      payload,
    };
    break;
  }
  default:
    console.error(`unknown command ${command}`);
    process.exit(2);
}
console.log(JSON.stringify(result));
