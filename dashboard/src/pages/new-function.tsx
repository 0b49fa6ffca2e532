/** A new function: name, code (starting from an echo template), Deploy. */
import { DeployForm } from "../components/deploy-form";
import { Link, navigate } from "../router";

export const TEMPLATE = `import { defineFunction, z } from "kiln";

export default defineFunction({
  description: "Echo a message back, with its length",
  input: z.object({
    message: z.string().describe("What to echo"),
    times: z.number().int().min(1).max(10).default(1),
  }),
  async run(input, ctx) {
    ctx.log.info("echoing", { length: input.message.length });
    const echoed = await ctx.step("repeat", () => Array(input.times).fill(input.message).join(" "));
    return { echoed, length: echoed.length };
  },
});
`;

export function NewFunction() {
  return (
    <section>
      <p class="crumbs">
        <Link href="/functions">Functions</Link> /
      </p>
      <h1>New function</h1>
      <DeployForm name={null} initialCode={TEMPLATE} onDeployed={(v) => navigate(`/functions/${v.function}`)} />
    </section>
  );
}
