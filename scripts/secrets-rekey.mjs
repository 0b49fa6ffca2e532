// `npm run secrets:rekey`: after a KILN_SECRETS_KEY rotation (the new key in KILN_SECRETS_KEY, the
// old one in KILN_SECRETS_KEY_PREVIOUS), re-seals every stored secret under the new key through
// the admin route POST /v1/secrets/rekey. Reads KILN_URL (default the local server) and
// KILN_ADMIN_KEY (default the one `npm run dev` wrote to .dev.vars).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const varsFile = path.join(root, ".dev.vars");
const localKey = existsSync(varsFile) ? /^KILN_ADMIN_KEY=(.*)$/m.exec(readFileSync(varsFile, "utf8"))?.[1] : undefined;
const url = process.env.KILN_URL ?? `http://localhost:${process.env.PORT ?? "8787"}`;
const key = process.env.KILN_ADMIN_KEY ?? localKey;
if (!key) {
  console.error("Set KILN_ADMIN_KEY (or run `npm run dev` once, which writes it to .dev.vars).");
  process.exit(2);
}
const res = await fetch(`${url}/v1/secrets/rekey`, {
  method: "POST",
  headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
});
const body = await res.json().catch(() => null);
if (!res.ok) {
  console.error(`Rekey failed: ${res.status} ${body?.detail ?? ""}`);
  process.exit(1);
}
console.log(`Re-sealed ${body.resealed} secret(s) under key ${body.keyId}.`);
