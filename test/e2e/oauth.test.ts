// OAuth for a hosted MCP client, end to end against the real local server, the user's side in
// Chromium: register a client, authorize with PKCE through the dashboard's consent page (signing
// in there first), exchange the code, call Kiln with the token, revoke it under Connected apps,
// and the token stops working.
// The token is used on /mcp (the MCP SDK's client: list and call) and on GET /v1/tools.
import { createHash, randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, screenshot } from "./helpers-browser";

const url = inject("kilnUrl");
const admin = { authorization: `Bearer ${inject("adminKey")}`, "content-type": "application/json" };
// Nothing listens here: the browser's visit to it is intercepted and recorded.
const REDIRECT_URI = "http://127.0.0.1:9/callback";
const FN = "oauth-e2e-greet";

let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = admin): Promise<any> {
  const res = await fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

const withToken = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

describe("OAuth for hosted MCP clients", () => {
  it("registers, consents in the dashboard, gets a token, uses it, and loses it on revocation", async () => {
    const code = `import { defineFunction, z } from "kiln";
export default defineFunction({ description: "Greets", input: z.object({ name: z.string() }), run: async ({ name }) => ({ hi: name }) });`;
    await post("/v1/functions", { name: FN, code });
    const user = await post("/v1/keys", { name: "oauth-e2e-user", scopes: ["tools:call", "functions:read", "runs:read"] });

    // The MCP client: discovery from the 401, then dynamic registration.
    const challenge401 = await fetch(`${url}/v1/tools`);
    expect(challenge401.headers.get("www-authenticate")).toContain(`resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`);
    const prm = await (await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)).json();
    const meta = await (await fetch(`${prm.authorization_servers[0]}/.well-known/oauth-authorization-server`)).json();
    const client = await post(
      "/oauth/register",
      { client_name: "E2E Connector", redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" },
      {
        "content-type": "application/json",
      },
    );

    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const authorize = new URL(meta.authorization_endpoint);
    for (const [k, v] of Object.entries({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      state: "e2e-state",
      code_challenge: challenge,
      code_challenge_method: "S256",
      resource: prm.resource,
    })) {
      authorize.searchParams.set(k, v);
    }

    let callback: URL | null = null;
    await page.route(`${REDIRECT_URI}**`, (route) => {
      callback = new URL(route.request().url());
      return route.fulfill({ status: 200, contentType: "text/plain", body: "connected" });
    });

    // The consent page (like every dashboard page) refuses to be framed: no clickjacked "Allow".
    const consentPage = await fetch(`${url}/consent?handle=x`, { headers: { "sec-fetch-mode": "navigate", accept: "text/html" } });
    expect(consentPage.headers.get("x-frame-options")).toBe("DENY");
    expect(consentPage.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");

    // The user: not signed in yet, so the consent page asks for a key first.
    await page.goto(authorize.href);
    await page.getByLabel("API key").fill(user.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByTestId("consent-client").textContent()).toBe("E2E Connector");
    expect(await page.getByTestId("consent-redirect-host").textContent()).toBe("127.0.0.1");
    // The tool-calling default, and nothing the user's key does not hold.
    expect(await page.getByLabel("tools:call").isChecked()).toBe(true);
    expect(await page.getByLabel("runs:read").isChecked()).toBe(false);
    expect(await page.getByLabel("functions:write").count()).toBe(0);
    await screenshot(page, "oauth-consent");
    await page.getByRole("button", { name: "Allow" }).click();
    await expect.poll(() => callback?.searchParams.get("state")).toBe("e2e-state");

    const tokenRes = await fetch(meta.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: callback!.searchParams.get("code")!,
        code_verifier: verifier,
        client_id: client.client_id,
        redirect_uri: REDIRECT_URI,
        resource: prm.resource,
      }),
    });
    const tokens = await tokenRes.json();
    expect(tokenRes.status, JSON.stringify(tokens)).toBe(200);
    expect(tokens.scope).toBe("tools:call");

    const catalog = await fetch(`${url}/v1/tools`, { headers: withToken(tokens.access_token) });
    expect(catalog.status).toBe(200);
    expect(JSON.stringify(await catalog.json())).toContain(FN);
    const call = await fetch(`${url}/v1/tools/${FN}`, { method: "POST", headers: withToken(tokens.access_token), body: '{"name":"Ada"}' });
    expect(await call.json()).toEqual({ hi: "Ada" });
    expect((await fetch(`${url}/v1/runs`, { headers: withToken(tokens.access_token) })).status).toBe(403);
    // What a hosted MCP client does with the token: list and call over Streamable HTTP.
    const mcp = new Client({ name: "e2e-connector", version: "1.0.0" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${tokens.access_token}` } },
      }),
    );
    expect((await mcp.listTools()).tools.map((t) => t.name)).toContain(FN);
    const called = await mcp.callTool({ name: FN, arguments: { name: "Ada" } });
    expect({ isError: called.isError ?? false, output: JSON.parse((called.content as any)[0].text) }).toEqual({
      isError: false,
      output: { hi: "Ada" },
    });
    await mcp.close();

    // Revocation in the dashboard.
    await page.goto(`${url}/connections`);
    await page.getByRole("button", { name: "Revoke E2E Connector" }).click();
    await page.getByRole("button", { name: "Confirm revoke" }).click();
    await expect.poll(() => page.getByText("No app has been connected with your key.").count()).toBe(1);
    await screenshot(page, "oauth-connections-revoked");
    expect((await fetch(`${url}/v1/tools`, { headers: withToken(tokens.access_token) })).status).toBe(401);
  });
});
