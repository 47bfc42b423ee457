// A real OpenID provider for the tests: npm's oidc-provider (9.x), configured
// from the environment, on loopback. Its development login form accepts any
// login name; the accounts' claims (role, districts) come from OIDC_ACCOUNTS.
//
//   OIDC_PROVIDER_ENTRY  path of oidc-provider's lib/index.js (installed by the fixture)
//   OIDC_PORT            port on 127.0.0.1
//   OIDC_CLIENT          JSON: {client_id, client_secret, redirect_uris}
//   OIDC_ACCOUNTS        JSON: {"login": {claims...}}
import { pathToFileURL } from "node:url";

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_ENTRY).href);
const port = Number(process.env.OIDC_PORT);
const client = JSON.parse(process.env.OIDC_CLIENT);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || "{}");
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      ...client,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true },
  scopes: ["openid", "profile", "haarlem"],
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    haarlem: ["hv_role", "hv_districts"],
  },
  // The claims of the requested scopes go into the ID token itself.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    // Staff sign in to the city's own app: no consent screen.
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile haarlem");
    await grant.save();
    return grant;
  },
});
provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
