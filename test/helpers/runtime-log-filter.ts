// Keeps passing test runs readable: workerd prints an "uncaught exception" for every error that
// crosses an RPC boundary inside the local Workflows engine, including the ones Kiln's tests
// cause on purpose and Kiln handles (a redelivered start finding its instance already created,
// a step failing so the engine retries it, a cancelled or paused job's engine being stopped).
// The vitest pool prints workerd's logs itself with no hook, so this filters its writes, in the
// Node process that runs vitest. Anything else is printed as before; KILN_TEST_LOGS=all shows all.

/** Messages of the local engine that tests trigger deliberately and Kiln handles. */
const EXPECTED: RegExp[] = [
  /WorkflowError: \(instance\.already_exists\)/, // start redelivered: start-workflow.ts ignores it
  /Error: instance\.not_found/, // a job looked up before its instance exists
  /Aborting engine: User called (pause|terminate)/, // cancel, pause and delete stop the engine
  /Engine was never started/,
  /WorkflowTimeoutError: Execution timed out after \d+ms\n\s+at Context\.waitForEvent/, // a wait's timeout, which the job handles
  /detected that your Worker's code had hung/, // tests of functions whose promise never settles
  /\bat \S*describe \(kiln-harness\.js/, // code that fails to load: the deploy answers 400 load_error
];
/** An error a step threw that the job driver rethrows so the engine records and retries it. */
const STEP_FAILURE =
  /^uncaught exception; source = Uncaught \(in promise\); stack = (Error|NonRetryableError)\b[\s\S]*(workers\/jobs\/job-driver\.ts|workflows\/binding\.worker\.js)/;

export function isExpectedRuntimeNoise(chunk: string): boolean {
  if (!chunk.startsWith("uncaught exception;")) return false;
  return EXPECTED.some((re) => re.test(chunk)) || STEP_FAILURE.test(chunk);
}

/** Drops the expected messages from this process's stdout and stderr; says how many at exit. */
export function filterRuntimeLogs(): void {
  if (process.env.KILN_TEST_LOGS === "all") return;
  let hidden = 0;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === "string" && isExpectedRuntimeNoise(chunk)) {
        hidden++;
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  process.on("exit", () => {
    if (hidden > 0)
      process.stderr.write(`(${hidden} expected workerd "uncaught exception" messages hidden; KILN_TEST_LOGS=all shows them)\n`);
  });
}
