// `npm run dev -- --port 8800` and `PORT=8800 npm run dev` (issue 11 item 7): the port reaches
// wrangler once, and the printed URL and the cron ticker use it.
import { describe, expect, it } from "vitest";
import { parseDevArgs } from "../../scripts/dev-args.mjs";

describe("npm run dev arguments", () => {
  it.each([
    [["--port", "8800"], {}],
    [["--port=8800"], {}],
    [["-p", "8800"], {}],
    [[], { PORT: "8800" }],
    [["--port", "8800"], { PORT: "9999" }],
  ])("reads the port from %j with env %j, and does not pass it on twice", (argv, env) => {
    expect(parseDevArgs(argv, env)).toEqual({ port: "8800", passThrough: [] });
  });

  it("keeps wrangler's other options and defaults to 8787", () => {
    expect(parseDevArgs(["--ip", "0.0.0.0", "--port", "8800", "--remote"], {})).toEqual({
      port: "8800",
      passThrough: ["--ip", "0.0.0.0", "--remote"],
    });
    expect(parseDevArgs([], {})).toEqual({ port: "8787", passThrough: [] });
  });

  it.each([[["--port"]], [["--port", "http"]], [["--port=70000"]], [["--port="]]])("refuses %j", (argv) => {
    expect(parseDevArgs(argv, {})).toHaveProperty("error");
  });
});
