// A local OpenID Connect identity provider for the browser tests: the certified `oidc-provider`
// package, with one confidential client for the app and a sign-in form that accepts any address
// (the address typed becomes the person's `sub` and `email`).
//
// Three kinds of test person make the provider misbehave the way a misconfigured or hostile
// provider would, so the app's own ID token verification is what has to refuse them. The token
// response is rewritten after oidc-provider issued it, signed with the provider's real key
// (except for the bad signature):
//   wrong-audience.<name>@…  ID token for a different client (aud = "someone-else")
//   expired.<name>@…         ID token that expired half an hour ago
//   bad-signature.<name>@…   ID token signed with a key the provider never published
//   unverified.<name>@…      email_verified: false
//
// Environment: OIDC_PORT (3090), BASE_URL (the app, for the redirect URI; http://127.0.0.1:3000),
// OIDC_CLIENT_ID (hrc-e2e), OIDC_CLIENT_SECRET (e2e-client-secret).
import http from "node:http";
import * as jose from "jose";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 3090);
const app = (process.env.BASE_URL ?? "http://127.0.0.1:3000").replace(/\/$/, "");
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_CLIENT_ID ?? "hrc-e2e";
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? "e2e-client-secret";

const { privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: "e2e-signing-key", alg: "RS256", use: "sig" };
const { privateKey: strangerKey } = await jose.generateKeyPair("RS256");

const displayName = (email) =>
  email
    .split("@")[0]
    .replace(/^(wrong-audience|expired|bad-signature|unverified)\./, "")
    .split(/[._-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${app}/sso/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ["e2e-provider-cookie-key"] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id,
          email_verified: !id.startsWith("unverified."),
          name: displayName(id),
        };
      },
    };
  },
  // The app is a first-party client: no consent screen, the scopes it asks for are granted.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});

// The misbehaving people: rewrite the ID token of a successful code exchange.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.oidc?.route !== "token" || ctx.status !== 200 || !ctx.body?.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  const who = String(claims.sub ?? "");
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  if (who.startsWith("wrong-audience.")) {
    claims.aud = "someone-else";
  } else if (who.startsWith("expired.")) {
    claims.iat = now - 3600;
    claims.auth_time = now - 3600;
    claims.exp = now - 1800;
  } else if (who.startsWith("bad-signature.")) {
    key = strangerKey;
  } else {
    return;
  }
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: signingJwk.kid }).sign(key),
  };
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}</style></head><body><main>${body}</main></body></html>`;
}

// The provider's own sign-in page, standing in for Okta's or Microsoft's.
async function interaction(req, res) {
  const url = new URL(req.url, issuer);
  const match = url.pathname.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return false;
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "POST" && match[2]) {
      let body = "";
      for await (const chunk of req) body += chunk;
      const login = new URLSearchParams(body).get("login")?.trim().toLowerCase();
      if (!login) {
        res.writeHead(400, { "content-type": "text/plain" }).end("Enter an email address.");
        return true;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return true;
    }
    const hint = details.params.login_hint ?? "";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(
      page(
        "Test identity provider",
        `<h1>Test identity provider</h1>
<form method="post" action="/interaction/${escape(details.uid)}/login">
<label for="login">Email</label><input id="login" name="login" type="text" value="${escape(hint)}" autofocus required>
<label for="password">Password</label><input id="password" name="password" type="password" value="anything">
<button type="submit">Sign in to the test provider</button></form>`,
      ),
    );
  } catch (err) {
    res.writeHead(400, { "content-type": "text/plain" }).end(`This sign-in has expired at the test provider (${err.name}).`);
  }
  return true;
}

const callback = provider.callback();
http
  .createServer(async (req, res) => {
    if (await interaction(req, res)) return;
    callback(req, res);
  })
  .listen(port, "127.0.0.1", () => {
    console.log(`test OpenID provider ${issuer} for ${app}/sso/callback (client ${clientId})`);
  });
