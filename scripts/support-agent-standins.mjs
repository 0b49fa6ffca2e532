// Local stand-ins for the support agent's outside services, so the example runs offline: an
// OpenAI-compatible model (`POST /v1/chat/completions`), a CRM (`GET /customers/:email`) and a
// Slack incoming webhook (`POST /slack/<token>`), on a loopback port. Each checks its key like the
// real service would. `messages` holds what "Slack" received (also at `GET /slack-messages`).
import { createServer } from "node:http";

/** Customers the stand-in CRM knows. */
export const CUSTOMERS = {
  "ada@example.com": { name: "Ada Lovelace", plan: "enterprise", since: "2021-03-01" },
  "bob@example.com": { name: "Bob Builder", plan: "starter" },
};

/** The stand-in model: urgent words make a ticket high urgency; the topic is a keyword it finds. */
function modelAnswer(system, user) {
  const text = user.toLowerCase();
  if (system.startsWith("Classify")) {
    const urgency = /down|outage|urgent|asap|broken/.test(text) ? "high" : /slow|error/.test(text) ? "normal" : "low";
    const topic = ["billing", "login", "api", "invoice"].find((t) => text.includes(t)) ?? "general";
    return JSON.stringify({ urgency, topic });
  }
  return `Hi! Thanks for reaching out. We are looking into it right away and will update you within the hour.`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (c) => {
      data += c;
    });
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

const send = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

/**
 * Starts the stand-ins on 127.0.0.1 (a free port unless `port` is given). Resolves to
 * { url, host, slackUrl, messages, close() }.
 */
export async function startStandins({ modelKey, crmKey, slackToken, port = 0 }) {
  const messages = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    const auth = req.headers.authorization ?? "";
    try {
      if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
        if (auth !== `Bearer ${modelKey}`) return send(res, 401, { error: { message: "invalid api key" } });
        const body = JSON.parse(await readBody(req));
        const system = body.messages?.find((m) => m.role === "system")?.content ?? "";
        const user = body.messages?.find((m) => m.role === "user")?.content ?? "";
        return send(res, 200, {
          id: "chatcmpl-standin",
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: modelAnswer(system, user) }, finish_reason: "stop" }],
        });
      }
      if (req.method === "GET" && url.pathname.startsWith("/customers/")) {
        if (auth !== `Bearer ${crmKey}`) return send(res, 401, { error: "unauthorized" });
        const customer = CUSTOMERS[decodeURIComponent(url.pathname.slice("/customers/".length)).toLowerCase()];
        return customer ? send(res, 200, customer) : send(res, 404, { error: "no such customer" });
      }
      if (req.method === "POST" && url.pathname === `/slack/${slackToken}`) {
        const body = JSON.parse(await readBody(req));
        if (typeof body.text !== "string") return send(res, 400, { error: "no_text" });
        messages.push(body);
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end("ok");
      }
      if (req.method === "GET" && url.pathname === "/slack-messages") return send(res, 200, messages);
      return send(res, 404, { error: "not found" });
    } catch (error) {
      return send(res, 400, { error: String(error) });
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address();
  const host = `127.0.0.1:${bound}`;
  return {
    url: `http://${host}`,
    host,
    slackUrl: `http://${host}/slack/${slackToken}`,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
