/**
 * Support agent, unit 4: post to the team's Slack channel through an incoming webhook
 * (`{"text": …}`). The webhook URL is the credential: a granted secret, SLACK_WEBHOOK_URL.
 * Walkthrough: README, "Example: a support agent".
 */
import { defineFunction, NonRetriableError, z } from "kiln";

export default defineFunction({
  description: "Tell the support team about a ticket in Slack",
  input: z.object({
    ticketId: z.string(),
    runId: z.string(),
    urgency: z.string(),
    topic: z.string(),
    customer: z.string(),
    draft: z.string().max(4_000),
    approvedBy: z.string().nullable(),
  }),
  secrets: ["SLACK_WEBHOOK_URL"],
  egress: ["hooks.slack.com"],
  timeoutMs: 15_000,
  async run(input, ctx) {
    const url = ctx.secrets.SLACK_WEBHOOK_URL;
    if (!url) throw new NonRetriableError("SLACK_WEBHOOK_URL is not granted to notify-team");
    const approval = input.approvedBy ? `approved by ${input.approvedBy}` : "no approval needed";
    const text = `*${input.urgency}* ticket ${input.ticketId} (${input.topic}) from ${input.customer}, ${approval} (run ${input.runId}).\n>${input.draft.replaceAll("\n", "\n>")}`;
    const status = await ctx.step("post to slack", async () => {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
      if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new NonRetriableError(`Slack answered ${res.status}`);
      if (!res.ok) throw new Error(`Slack answered ${res.status}`);
      return res.status;
    });
    return { posted: status === 200 };
  },
});
