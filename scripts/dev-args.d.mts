// Types of dev-args.mjs, for the unit test that imports it.
export function parseDevArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): { port: string; passThrough: string[] } | { error: string };
