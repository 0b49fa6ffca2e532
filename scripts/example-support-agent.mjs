// `npm run example:support-agent`: deploys the support-agent example (examples/support-agent/, one
// function per file) to a running local Kiln, pointed at local stand-ins for the model, the CRM and
// Slack (scripts/support-agent-standins.mjs), which it starts and keeps running until Ctrl-C.
// Reads KILN_URL (default http://localhost:8787) and KILN_ADMIN_KEY (default: from .dev.vars, as
// written by `npm run dev`). The local Kiln must allow loopback egress: KILN_EGRESS_ALLOW_LOCAL=true
// in .dev.vars (see README, "Example: a support agent").
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { startStandins } from "./support-agent-standins.mjs";

const root = path.resolve(import.meta.dirname, "..");
const FOLDER = path.join(root, "examples/support-agent");

/** The units and how the local deploy rewires them: their hosts become the stand-ins'. */
const UNITS = [
  { name: "classify-ticket", secrets: (h) => [{ name: "MODEL_API_KEY", hosts: [h] }] },
  { name: "enrich-customer", secrets: (h) => [{ name: "CRM_API_KEY", hosts: [h] }] },
  { name: "draft-response", secrets: (h) => [{ name: "MODEL_API_KEY", hosts: [h] }] },
  { name: "notify-team", secrets: () => ["SLACK_WEBHOOK_URL"] },
  { name: "support-agent-message", secrets: null },
];

async function call(kiln, method, route, body) {
  const res = await fetch(`${kiln.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${kiln.adminKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Deploys every unit to `kiln` ({url, adminKey}), stores the stand-ins' keys as secrets and grants
 * them, and points the units at `standins` (from startStandins). Returns the deployed versions.
 */
export async function deploySupportAgent(kiln, standins, keys) {
  const versions = {};
  for (const unit of UNITS) {
    const code = readFileSync(path.join(FOLDER, `${unit.name}.ts`), "utf8");
    const manifest = unit.secrets ? { egress: [standins.host], secrets: unit.secrets(standins.host) } : {};
    versions[unit.name] = await call(kiln, "POST", "/v1/functions", { name: unit.name, code, manifest });
  }
  await call(kiln, "PUT", "/v1/secrets/MODEL_API_KEY", { value: keys.modelKey });
  await call(kiln, "PUT", "/v1/secrets/CRM_API_KEY", { value: keys.crmKey });
  await call(kiln, "PUT", "/v1/secrets/SLACK_WEBHOOK_URL", { value: standins.slackUrl });
  const grants = {
    "classify-ticket": ["MODEL_API_KEY"],
    "draft-response": ["MODEL_API_KEY"],
    "enrich-customer": ["CRM_API_KEY"],
    "notify-team": ["SLACK_WEBHOOK_URL"],
  };
  for (const [name, secrets] of Object.entries(grants)) await call(kiln, "PUT", `/v1/functions/${name}/grants`, { secrets });
  const env = { MODEL_URL: `${standins.url}/v1`, CRM_URL: standins.url };
  for (const name of ["classify-ticket", "draft-response", "enrich-customer"])
    await call(kiln, "PUT", `/v1/functions/${name}/env`, { env });
  return versions;
}

/** Random keys the stand-ins check, like the real services would. */
export function standinKeys() {
  const key = () => randomBytes(24).toString("base64url");
  return { modelKey: key(), crmKey: key(), slackToken: key() };
}

function adminKeyFromDevVars() {
  const file = path.join(root, ".dev.vars");
  if (!existsSync(file)) return undefined;
  return /^KILN_ADMIN_KEY=(.*)$/m.exec(readFileSync(file, "utf8"))?.[1]?.trim();
}

async function main() {
  const kiln = { url: process.env.KILN_URL ?? "http://localhost:8787", adminKey: process.env.KILN_ADMIN_KEY ?? adminKeyFromDevVars() };
  if (!kiln.adminKey) throw new Error("set KILN_ADMIN_KEY, or run `npm run dev` once so that .dev.vars holds it");
  const keys = standinKeys();
  const standins = await startStandins({ ...keys, port: Number(process.env.STANDIN_PORT ?? 0) });
  await deploySupportAgent(kiln, standins, keys);
  const start = `curl -s ${kiln.url}/v1/jobs -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"function":"support-agent-message","input":{"ticketId":"t-1","email":"ada@example.com","text":"Our API is down, urgent!"}}'`;
  console.log(`Deployed the support agent to ${kiln.url}; stand-ins for the model, CRM and Slack on ${standins.url}.

  Start a ticket:   ${start}
  Approve it:       curl -s ${kiln.url}/v1/jobs/<id>/events -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"type":"approval","payload":{"approved":true,"by":"dana"}}'
  Slack messages:   ${standins.url}/slack-messages
  The run tree:     ${kiln.url}/runs/<id>

Stand-ins keep running until Ctrl-C.`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => standins.close().then(() => process.exit(0)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main().catch((error) => {
    console.error(String(error?.message ?? error));
    process.exit(1);
  });
}
