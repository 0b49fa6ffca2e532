/** Copyable shell snippets for calling a function: a tool call and a job start with curl. Pure. */

/** Single quotes for a POSIX shell: the JSON goes in as it is. */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function curlToolCall(origin: string, name: string, input: unknown): string {
  return [
    `curl -X POST ${origin}/v1/tools/${name} \\`,
    `  -H "Authorization: Bearer $KILN_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d ${shellQuote(JSON.stringify(input))}`,
  ].join("\n");
}

export function curlJobStart(origin: string, name: string, input: unknown): string {
  return [
    `curl -X POST ${origin}/v1/jobs \\`,
    `  -H "Authorization: Bearer $KILN_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d ${shellQuote(JSON.stringify({ function: name, input }))}`,
  ].join("\n");
}
