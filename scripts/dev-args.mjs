// Reads `npm run dev`'s own options out of its arguments: the port (`--port 8800`, `--port=8800`,
// `-p 8800`, else $PORT, else 8787), which Kiln must know to print the URL and fire the cron, and
// which wrangler must receive once only (given twice, wrangler exits). No imports, so a unit test
// can load it in workerd.

const PORT_FLAG = /^(?:--port|-p)(?:=(.*))?$/;

/**
 * Returns { port, passThrough } or { error } for a missing or malformed port.
 * @param {readonly string[]} argv the arguments after the script's name
 * @param {Record<string, string | undefined>} env
 */
export function parseDevArgs(argv, env) {
  let port = env.PORT && env.PORT !== "" ? env.PORT : "8787";
  const passThrough = [];
  for (let i = 0; i < argv.length; i++) {
    const match = PORT_FLAG.exec(argv[i]);
    if (!match) {
      passThrough.push(argv[i]);
      continue;
    }
    const value = match[1] ?? argv[++i];
    if (value === undefined) return { error: `${argv[i - 1] ?? argv[i]} needs a port number` };
    port = value;
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return { error: `"${port}" is not a port number (1-65535)` };
  }
  return { port, passThrough };
}
