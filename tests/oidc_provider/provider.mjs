// A real OpenID provider (the certified npm oidc-provider) for the single sign-on tests.
//
// Started by tests/core/sso_provider.py with one argument, a JSON file naming the signing
// keys (a private JWK set), the client and the accounts and their claims. It listens on
// 127.0.0.1, port chosen by the system, and prints "listening <port>" when ready.
//
// Besides the provider's own endpoints it answers a few for the tests only:
//   GET  /interaction/<uid>                               the sign-in page to a browser (HTML), or
//                                                         {uid, prompt} as JSON to anything else
//   POST /interaction/<uid>/login   {account, amr, acr}   signs an account in (JSON, or the page's form)
//   POST /test/next-id-token        {set, unset, tamper}  alters the next ID token it issues
//   POST /test/backchannel-logout   {account, sid}        sends a back-channel logout and
//                                                         answers with the logout token sent
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';
import { importJWK, SignJWT, decodeJwt } from 'jose';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const signingJwk = config.jwks.keys[0];

// Logout tokens are captured instead of posted: the test delivers them to the portal.
const capturedLogoutTokens = [];
let nextIdTokenChange = null;

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if ((req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded')) {
    // The sign-in page's form: the account, and whether the security token and its PIN were used.
    const form = new URLSearchParams(text);
    return { account: form.get('account'), amr: form.get('token') === 'yes' ? ['hwk', 'pin'] : ['pwd'] };
  }
  return JSON.parse(text);
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The provider's own sign-in page, as a browser sees it: a username and the security token.
function signInPage(uid, prompt) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body><main><h1>Test identity provider</h1><p>${prompt === 'login' ? 'Sign in to continue.' : 'Continue.'}</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="account">Username</label> <input id="account" name="account" autocomplete="username">
<p><input type="checkbox" id="token" name="token" value="yes"> <label for="token">I used my security token and its PIN</label></p>
<button type="submit">Sign in</button></form></main></body></html>`;
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const provider = new Provider(issuer, {
    jwks: config.jwks,
    clients: [config.client],
    cookies: { keys: ['custodian-test-cookie-key'] },
    pkce: { required: () => true },
    conformIdTokenClaims: false, // the claims the scopes grant go in the ID token too
    claims: {
      sid: null,
      iss: null,
      // How and when the person signed in are in every ID token (as Entra ID sends acr and auth_time).
      openid: ['sub', 'acr', 'amr', 'auth_time', 'groups', 'oid', 'tid', 'upn'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const claims = config.accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
    // A first-party client: every scope and claim asked for is granted without a consent page.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['groups', 'oid', 'tid', 'upn', 'email', 'name']);
      await grant.save();
      return grant;
    },
    fetch: async (url, options) => {
      const body = new URLSearchParams(String(options.body));
      capturedLogoutTokens.push({ url, token: body.get('logout_token') });
      return new Response(null, { status: 200 });
    },
    ttl: { IdToken: 3600, Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60 },
  });
  provider.proxy = false;

  // The next ID token issued is changed (claims set or removed, then signed again with the
  // provider's key), or its signature spoilt, so the tests can present what an attacker would.
  const signingKey = importJWK(signingJwk, 'RS256');
  async function alterTokenResponse(res, body) {
    const change = nextIdTokenChange;
    nextIdTokenChange = null;
    const payload = JSON.parse(body);
    if (change && payload.id_token) {
      if (change.tamper) {
        const [head, claims, sig] = payload.id_token.split('.');
        const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'));
        decoded.sub = `${decoded.sub}-someone-else`;
        payload.id_token = [head, Buffer.from(JSON.stringify(decoded)).toString('base64url'), sig].join('.');
      } else {
        const claims = { ...decodeJwt(payload.id_token), ...(change.set || {}) };
        for (const name of change.unset || []) delete claims[name];
        payload.id_token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid })
          .sign(await signingKey);
      }
    }
    return JSON.stringify(payload);
  }

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      const login = url.pathname.match(/^\/interaction\/([^/]+)\/login$/);
      if (login && req.method === 'POST') {
        const body = await readBody(req);
        const details = await provider.interactionDetails(req, res);
        const result = { login: { accountId: body.account, amr: body.amr, acr: body.acr, remember: true } };
        if (details.prompt.name !== 'login') result.login = undefined;
        await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
        return;
      }
      if (url.pathname.startsWith('/interaction/') && req.method === 'GET') {
        const details = await provider.interactionDetails(req, res);
        if ((req.headers.accept || '').includes('text/html')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(signInPage(details.uid, details.prompt.name));
          return;
        }
        sendJson(res, 200, { uid: details.uid, prompt: details.prompt.name });
        return;
      }
      if (url.pathname === '/test/next-id-token' && req.method === 'POST') {
        nextIdTokenChange = await readBody(req);
        sendJson(res, 200, {});
        return;
      }
      if (url.pathname === '/test/backchannel-logout' && req.method === 'POST') {
        const body = await readBody(req);
        const client = await provider.Client.find(config.client.client_id);
        capturedLogoutTokens.length = 0;
        await client.backchannelLogout(body.account, body.sid);
        sendJson(res, 200, { logout_token: capturedLogoutTokens.at(-1)?.token });
        return;
      }
      if (url.pathname === '/token' && req.method === 'POST' && nextIdTokenChange) {
        // Let the provider answer into a buffer, then alter the ID token in it.
        const chunks = [];
        const realWrite = res.write.bind(res);
        const realEnd = res.end.bind(res);
        res.write = (chunk) => { chunks.push(Buffer.from(chunk)); return true; };
        res.end = (chunk) => {
          if (chunk) chunks.push(Buffer.from(chunk));
          alterTokenResponse(res, Buffer.concat(chunks).toString('utf8')).then((text) => {
            res.removeHeader('content-length');
            realWrite(text);
            realEnd();
          });
          return res;
        };
      }
      callback(req, res);
    } catch (error) {
      sendJson(res, 500, { error: String(error) });
    }
  });

  process.stdout.write(`listening ${port}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
