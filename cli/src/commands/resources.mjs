/**
 * Commands for the rest of the API: API keys and tokens, secrets and grants, environment
 * variables, webhook endpoints and their deliveries, schedules. Each is a thin call with
 * `--json` output. Imports node:fs and the CLI's own modules.
 */
import { readFileSync } from "node:fs";
import { KilnError, parseResponse } from "../api.mjs";
import { emit, isoTime, pc, status, table } from "../output.mjs";
import { enc, int, list, parseJson, rate, readInput, withClient } from "./shared.mjs";

const done = (text) => () => `${pc.green("✔")} ${text}`;
const items = (page) => page.items ?? page;
/** An action that sends DELETE to `path(id)` and reports it. */
const remove = (path, verb) =>
  withClient(async (c, opts, id) => {
    await c.request("DELETE", path(id));
    emit(opts, { [verb]: id }, done(`${verb} ${id}`));
  });

function registerKeys(program) {
  const keys = program.command("keys").description("API keys (shown once at creation)");
  keys.command("list", { isDefault: true }).action(
    withClient(async (c, opts) => {
      const rows = items(await c.get("/v1/keys"));
      emit(opts, rows, () =>
        table(
          ["ID", "NAME", "SCOPES", "FUNCTIONS", "CREATED", "REVOKED"],
          rows.map((k) => [
            k.id,
            k.name,
            k.scopes.join(","),
            k.functions?.join(",") ?? "all",
            isoTime(k.createdAt),
            isoTime(k.revokedAt) ?? "",
          ]),
        ),
      );
    }),
  );
  keys
    .command("create <name>")
    .requiredOption("--scopes <list>", "comma-separated scopes, e.g. tools:call,jobs:read", list)
    .option("--functions <list>", "only these functions (default: all)", list)
    .option("--rate <requests/seconds>", "rate limit on tool calls and job starts, e.g. 100/60", rate)
    .action(
      withClient(async (c, opts, name) => {
        const k = await c.post("/v1/keys", { name, scopes: opts.scopes, functions: opts.functions, rateLimit: opts.rate });
        emit(opts, k, () => `${pc.green("✔")} key ${k.id} created; it is shown only now:\n${k.key}`);
      }),
    );
  keys.command("revoke <id>").action(remove((x) => `/v1/keys/${enc(x)}`, "revoked"));
  const tokens = program.command("tokens").description("short-lived agent tokens (JWT)");
  tokens
    .command("mint")
    .requiredOption("--scopes <list>", "comma-separated scopes", list)
    .option("--functions <list>", "only these functions", list)
    .option("--ttl <seconds>", "lifetime (30 to 3600, default 900)", int)
    .action(
      withClient(async (c, opts) =>
        emit(
          opts,
          await c.post("/v1/tokens", { scopes: opts.scopes, functions: opts.functions, ttlSeconds: opts.ttl }),
          (t) => `${t.token}\n${pc.dim(`id ${t.id}, expires ${t.expiresAt}`)}`,
        ),
      ),
    );
  tokens.command("revoke <id>").action(remove((x) => `/v1/tokens/${enc(x)}`, "revoked"));
}

/** A secret's value: --value, else stdin (so it stays out of shell history and `ps`). */
function secretValue(opts) {
  if (opts.value !== undefined) return opts.value;
  if (process.stdin.isTTY)
    throw new KilnError('pipe the value on stdin (e.g. `printf %s "$TOKEN" | kiln secrets set NAME`) or pass --value');
  return readFileSync(0, "utf8").replace(/\r?\n$/, "");
}

function registerSecrets(program) {
  const secrets = program.command("secrets").description("secret values (write-only) and grants");
  secrets.command("list", { isDefault: true }).action(
    withClient(async (c, opts) => {
      const rows = items(await c.get("/v1/secrets"));
      emit(opts, rows, () =>
        table(
          ["NAME", "GRANTED TO", "UPDATED", "LAST USED"],
          rows.map((s) => [s.name, (s.grants ?? []).join(","), isoTime(s.updatedAt), isoTime(s.lastUsedAt) ?? ""]),
        ),
      );
    }),
  );
  secrets
    .command("set <name>")
    .description("set or replace a value, read from stdin")
    .option("--value <value>", "the value (visible in shell history: prefer stdin)")
    .action(
      withClient(async (c, opts, name) => {
        const res = await c.request("PUT", `/v1/secrets/${enc(name)}`, { body: { value: secretValue(opts) }, raw: true });
        await parseResponse(res);
        emit(opts, { name, created: res.status === 201 }, done(`${name} ${res.status === 201 ? "created" : "replaced"}`));
      }),
    );
  secrets.command("delete <name>").action(remove((x) => `/v1/secrets/${enc(x)}`, "deleted"));
  secrets
    .command("grant <function> [names...]")
    .description("the secrets a function may read (replaces the set; none revokes all)")
    .action(
      withClient(async (c, opts, fn, names) =>
        emit(
          opts,
          await c.request("PUT", `/v1/functions/${enc(fn)}/grants`, { body: { secrets: names ?? [] } }),
          (v) => `${fn}: ${v.grants?.map((g) => g.name ?? g).join(", ") || "no secrets"}`,
        ),
      ),
    );
}

function registerEnv(program) {
  const env = program.command("env").description("a function's environment variables (not secret)");
  const show = (v) =>
    Object.entries(v.env ?? {})
      .map(([k, val]) => `${k}=${val}`)
      .join("\n") || pc.dim("(none)");
  env.command("get <function>").action(withClient(async (c, opts, fn) => emit(opts, await c.get(`/v1/functions/${enc(fn)}/config`), show)));
  env
    .command("set <function> <pairs...>")
    .description("set NAME=value pairs (the others are kept)")
    .action(
      withClient(async (c, opts, fn, pairs) => {
        const current = (await c.get(`/v1/functions/${enc(fn)}/config`)).env ?? {};
        for (const p of pairs) {
          const i = p.indexOf("=");
          if (i < 1) throw new KilnError(`"${p}" is not NAME=value`);
          current[p.slice(0, i)] = p.slice(i + 1);
        }
        emit(opts, await c.request("PUT", `/v1/functions/${enc(fn)}/env`, { body: { env: current } }), show);
      }),
    );
  env.command("unset <function> <names...>").action(
    withClient(async (c, opts, fn, names) => {
      const current = (await c.get(`/v1/functions/${enc(fn)}/config`)).env ?? {};
      for (const n of names) delete current[n];
      emit(opts, await c.request("PUT", `/v1/functions/${enc(fn)}/env`, { body: { env: current } }), show);
    }),
  );
}

function registerWebhooks(program) {
  const hooks = program.command("webhooks").description("webhook endpoints");
  hooks.command("list", { isDefault: true }).action(
    withClient(async (c, opts) => {
      const rows = items(await c.get("/v1/webhooks"));
      emit(opts, rows, () =>
        table(
          ["ID", "NAME", "PROVIDER", "FUNCTION", "ENABLED", "URL"],
          rows.map((w) => [w.id, w.name, w.provider, w.function, String(w.enabled), w.url]),
        ),
      );
    }),
  );
  hooks.command("get <id>").action(withClient(async (c, _opts, id) => emit({ json: true }, await c.get(`/v1/webhooks/${enc(id)}`))));
  hooks
    .command("create")
    .description("create an endpoint (its secret is shown once)")
    .requiredOption("--name <name>")
    .requiredOption("--provider <provider>", "stripe | github | standard | hmac")
    .requiredOption("--function <name>")
    .option("--secret <secret>", "the sender's signing secret (required for stripe; generated otherwise)")
    .option("--events <list>", "event filter, e.g. checkout.session.*", list)
    .option("--hmac <json>", "the hmac provider's scheme as JSON", (v) => parseJson(v, "--hmac"))
    .action(
      withClient(async (c, opts) => {
        const body = {
          name: opts.name,
          provider: opts.provider,
          function: opts.function,
          secret: opts.secret,
          events: opts.events,
          hmac: opts.hmac,
        };
        const w = await c.post("/v1/webhooks", body);
        emit(opts, w, () => `${pc.green("✔")} ${w.id}\n  url:    ${w.url}\n  secret: ${w.secret} (shown only now)`);
      }),
    );
  hooks.command("delete <id>").action(remove((x) => `/v1/webhooks/${enc(x)}`, "deleted"));
  hooks
    .command("rotate <id>")
    .option("--previous-expires-in <seconds>", "how long the old secret stays valid (default 86400)", int)
    .action(
      withClient(async (c, opts, id) =>
        emit(
          opts,
          await c.post(`/v1/webhooks/${enc(id)}/rotate`, { previousExpiresInSeconds: opts.previousExpiresIn }),
          (w) => `new secret (shown only now): ${w.secret}`,
        ),
      ),
    );
  hooks
    .command("test <id>")
    .description("send a signed sample event")
    .action(
      withClient(async (c, opts, id) =>
        emit(
          opts,
          await c.post(`/v1/webhooks/${enc(id)}/test`),
          (r) => `${r.accepted ? pc.green("accepted") : pc.red("refused")} (${r.status})`,
        ),
      ),
    );
  const deliveries = program.command("deliveries").description("webhook deliveries");
  deliveries
    .command("list <endpointId>")
    .option("--status <status>", "rejected | filtered | accepted | processed | failed")
    .option("--limit <n>", "at most n", int)
    .action(
      withClient(async (c, opts, id) => {
        const page = await c.get(`/v1/webhooks/${enc(id)}/deliveries`, { query: { status: opts.status, limit: opts.limit } });
        emit(opts, page, (p) =>
          table(
            ["ID", "STATUS", "EVENT", "TYPE", "RUN", "RECEIVED"],
            p.items.map((d) => [d.id, status(d.status), d.eventId, d.eventType, d.runId, isoTime(d.receivedAt)]),
          ),
        );
      }),
    );
  deliveries.command("get <id>").action(withClient(async (c, _opts, id) => emit({ json: true }, await c.get(`/v1/deliveries/${enc(id)}`))));
  deliveries
    .command("replay <id>")
    .action(
      withClient(async (c, opts, id) =>
        emit(opts, await c.post(`/v1/deliveries/${enc(id)}/replay`), (j) => `${pc.green("✔")} run ${j.runId ?? j.id}`),
      ),
    );
}

function registerSchedules(program) {
  const sch = program.command("schedules").description("cron schedules of job functions");
  sch.command("list", { isDefault: true }).action(
    withClient(async (c, opts) => {
      const rows = items(await c.get("/v1/schedules"));
      emit(opts, rows, () =>
        table(
          ["ID", "NAME", "FUNCTION", "CRON", "ZONE", "PAUSED", "NEXT", "LAST RUN", "SKIPPED"],
          rows.map((s) => [
            s.id,
            s.name,
            s.function,
            s.cron,
            s.timezone,
            String(s.paused),
            isoTime(s.nextFireAt) ?? "",
            s.lastRun?.status ?? "",
            String(s.skippedSlots ?? 0),
          ]),
        ),
      );
    }),
  );
  sch.command("get <id>").action(withClient(async (c, _opts, id) => emit({ json: true }, await c.get(`/v1/schedules/${enc(id)}`))));
  sch
    .command("create")
    .requiredOption("--name <name>")
    .requiredOption("--function <name>")
    .requiredOption("--cron <expr>", "5 fields: minute hour day month weekday")
    .option("--timezone <zone>", "IANA zone (default UTC)")
    .option("--data <json>", "the job input as JSON")
    .option("--file <path>", "the job input from a JSON file")
    .option("--overlap <mode>", "skip | buffer_one | allow")
    .option("--catch-up <mode>", "latest | all | skip")
    .action(
      withClient(async (c, opts) => {
        const body = {
          name: opts.name,
          function: opts.function,
          cron: opts.cron,
          timezone: opts.timezone,
          input: readInput(opts, undefined),
          overlap: opts.overlap,
          catchUp: opts.catchUp,
        };
        emit(opts, await c.post("/v1/schedules", body), (s) => `${pc.green("✔")} ${s.id}, next at ${s.nextFireAt}`);
      }),
    );
  sch.command("delete <id>").action(remove((x) => `/v1/schedules/${enc(x)}`, "deleted"));
  for (const verb of ["pause", "resume", "trigger"])
    sch
      .command(`${verb} <id>`)
      .action(withClient(async (c, opts, id) => emit(opts, await c.post(`/v1/schedules/${enc(id)}/${verb}`), done(`${verb}: ${id}`))));
  sch
    .command("preview <cron>")
    .option("--tz <zone>", "IANA zone (default UTC)")
    .option("--count <n>", "how many (default 5)", int)
    .action(
      withClient(async (c, opts, cron) =>
        emit(opts, await c.get("/v1/schedules/preview", { query: { cron, tz: opts.tz, count: opts.count } }), (p) =>
          p.fireTimes.join("\n"),
        ),
      ),
    );
}

export function registerResources(program) {
  registerKeys(program);
  registerSecrets(program);
  registerEnv(program);
  registerWebhooks(program);
  registerSchedules(program);
}
