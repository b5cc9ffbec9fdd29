// The run's identity provider, made once per bench run with node:crypto (no dependencies):
// an RSA-2048 key pair, its JWKS, the public key as PEM (for the Node baseline) and one RS256
// identity token valid for three hours (the run takes minutes; chatpass refuses lifetimes
// over a day).
//
//   node idp.js OUT_DIR ISSUER AUDIENCE

'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const [out, issuer, audience] = process.argv.slice(2);
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = publicKey.export({ format: 'jwk' });
const kid = 'bench-' + crypto.createHash('sha256').update(jwk.n).digest('hex').slice(0, 12);
const jwks = { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid, n: jwk.n, e: jwk.e }] };

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: issuer, aud: audience, sub: 'u-1001', email: 'alice@example.com', email_verified: true,
  name: 'Alice Smith', given_name: 'Alice', family_name: 'Smith', iat: now, exp: now + 3 * 3600,
};
const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
const signature = crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url');

fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'jwks.json'), JSON.stringify(jwks));
fs.writeFileSync(path.join(out, 'idp-public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
fs.writeFileSync(path.join(out, 'id-token'), `${input}.${signature}`);
console.log(`idp: kid ${kid}, token valid until ${new Date((now + 3 * 3600) * 1000).toISOString()}`);
