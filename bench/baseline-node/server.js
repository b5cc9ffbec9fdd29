// The Node baseline: what the vendors' docs lead a brand to write. node:http and jsonwebtoken,
// one process, config in memory: POST /v1/projects/{project}/token verifies the RS256 identity
// token (bearer) with the IdP's public key (iss, aud, exp) and answers chatpass's JSON
// {vendor, settings: {token}, expires_at} with the JSM token signed HS256.
// Keys are KeyObjects made once at start (kinder to Node than a PEM string per call).
//
//   node server.js PORT IDP_PUBLIC_PEM ISSUER AUDIENCE JSM_KEY ORIGIN

'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const jwt = require('jsonwebtoken');

const [port, publicPem, issuer, audience, jsmKey, origin] = process.argv.slice(2);
const idpKey = crypto.createPublicKey(fs.readFileSync(publicPem));
const projects = {
  'acme-jsm': { key: crypto.createSecretKey(Buffer.from(jsmKey, 'utf8')), ttl: 300, origins: [origin] },
};

function send(res, status, body, headers) {
  res.writeHead(status, {
    'Content-Type': status === 200 ? 'application/json' : 'application/problem+json',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const match = /^\/v1\/projects\/([a-z0-9][a-z0-9-]{0,62})\/token$/.exec(req.url);
  const project = match && projects[match[1]];
  if (!project || req.method !== 'POST') {
    return send(res, 404, { status: 404, code: 'unknown_project' });
  }
  const cors = {};
  if (req.headers.origin) {
    if (!project.origins.includes(req.headers.origin)) {
      return send(res, 403, { status: 403, code: 'origin_not_allowed' });
    }
    cors['Access-Control-Allow-Origin'] = req.headers.origin;
    cors['Access-Control-Allow-Credentials'] = 'true';
    cors.Vary = 'Origin';
  }
  req.resume();
  req.on('end', () => {
    const auth = req.headers.authorization || '';
    let claims;
    try {
      claims = jwt.verify(auth.replace(/^Bearer /, ''), idpKey, {
        algorithms: ['RS256'], issuer, audience,
      });
    } catch (e) {
      return send(res, 401, { status: 401, code: 'unauthorized' }, cors);
    }
    if (!claims.email) {
      return send(res, 422, { status: 422, code: 'missing_field' }, cors);
    }
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign(
      { email: claims.email, displayName: claims.name, iat: now, exp: now + project.ttl },
      project.key, { algorithm: 'HS256' },
    );
    send(res, 200, { vendor: 'jsm-chat', settings: { token }, expires_at: now + project.ttl }, cors);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`node baseline on http://127.0.0.1:${port}`));
