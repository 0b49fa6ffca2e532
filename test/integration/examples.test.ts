// The examples in examples/ deploy and behave as their comments say.
import { describe, expect, it } from "vitest";
import approveRefund from "../../examples/approve-refund.ts?raw";
import classifyTicket from "../../examples/classify-ticket.ts?raw";
import { api, deploy, json } from "../helpers/api";
import { ended, startJob, waitForJob } from "../helpers/jobs";

describe("examples", () => {
  it("classify-ticket runs as a tool", async () => {
    await deploy("classify-ticket", classifyTicket);
    const res = await api("/v1/tools/classify-ticket", { body: { ticketId: "t-1", text: "Login is broken and the API is down, urgent!" } });
    expect(await json(res)).toEqual({ ticketId: "t-1", urgency: "high", topics: ["login", "api"] });
  });

  it("approve-refund waits for approval as a job", async () => {
    await deploy("approve-refund", approveRefund);
    const id = await startJob("approve-refund", { orderId: "o-1", amount: 30 });
    await waitForJob(id, (j) => j.status === "waiting");
    await api(`/v1/jobs/${id}/events`, { body: { type: "approval", payload: { approved: true, by: "dana" } } });
    expect(await waitForJob(id, ended)).toMatchObject({ status: "succeeded", output: { refunded: true, by: "dana" } });
  });
});
