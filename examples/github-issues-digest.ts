/**
 * Example Kiln function: every hour, summarize a GitHub repository's issues opened or updated in
 * the last hour (the "summarize GitHub issues every hour" agent, without a model call).
 * Deploy it, give it a GitHub token, and schedule it (README "Schedules"):
 *   curl -X POST localhost:8787/v1/functions -H "authorization: Bearer $KEY" \
 *     -H 'content-type: application/json' --data "$(jq -Rs '{name:"github-issues-digest", code:.}' examples/github-issues-digest.ts)"
 *   curl -X PUT localhost:8787/v1/secrets/GITHUB_TOKEN -H "authorization: Bearer $KEY" \
 *     -H 'content-type: application/json' -d '{"value":"github_pat_…"}'
 *   curl -X PUT localhost:8787/v1/functions/github-issues-digest/grants -H "authorization: Bearer $KEY" \
 *     -H 'content-type: application/json' -d '{"secrets":["GITHUB_TOKEN"]}'
 *   curl -X POST localhost:8787/v1/schedules -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
 *     -d '{"name":"hourly digest","function":"github-issues-digest","cron":"0 * * * *","input":{"repo":"cloudflare/workerd"}}'
 * The token is host-bound: Kiln adds it to requests to api.github.com only, and this code never sees it.
 */
import { defineFunction, z } from "kiln";

const Issue = z.object({
  number: z.number(),
  title: z.string(),
  html_url: z.string(),
  state: z.string(),
  comments: z.number(),
  labels: z.array(z.object({ name: z.string() })),
  pull_request: z.unknown().optional(),
});

export default defineFunction({
  description: "Summarize a repository's issues updated in the hour before the schedule's slot",
  input: z.object({ repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "owner/name") }),
  secrets: [{ name: "GITHUB_TOKEN", hosts: ["api.github.com"] }],
  egress: ["api.github.com"],
  exposures: { tool: false, job: true },
  retries: { limit: 3, delayMs: 10_000, backoff: "exponential" },
  async run({ repo }, ctx) {
    // The slot's time, not the clock: a late or retried run summarizes the same hour.
    const until = ctx.run.schedule?.slot ? Date.parse(ctx.run.schedule.slot) : Date.now();
    const since = new Date(until - 3_600_000).toISOString();
    const issues = await ctx.step("fetch issues", async () => {
      const url = `https://api.github.com/repos/${repo}/issues?state=all&sort=updated&per_page=100&since=${since}`;
      const res = await fetch(url, {
        headers: {
          authorization: ctx.secretRef("GITHUB_TOKEN", "Bearer {}"),
          accept: "application/vnd.github+json",
          "user-agent": "kiln-example",
        },
      });
      if (!res.ok) throw new Error(`GitHub answered ${res.status}`);
      return z
        .array(Issue)
        .parse(await res.json())
        .filter((i) => i.pull_request === undefined);
    });
    const digest = await ctx.step("summarize", () => {
      const byLabel: Record<string, number> = {};
      for (const issue of issues) for (const label of issue.labels) byLabel[label.name] = (byLabel[label.name] ?? 0) + 1;
      const busiest = [...issues].sort((a, b) => b.comments - a.comments).slice(0, 5);
      return {
        repo,
        since,
        open: issues.filter((i) => i.state === "open").length,
        closed: issues.filter((i) => i.state === "closed").length,
        byLabel,
        busiest: busiest.map((i) => `#${i.number} ${i.title} (${i.comments} comments)`),
      };
    });
    ctx.log.info("digest ready", { repo, issues: issues.length });
    return digest;
  },
});
