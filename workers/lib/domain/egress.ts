/**
 * The egress allow-list: which hosts a function may call. Pure.
 */

/** True when `host` (e.g. `api.openai.com` or `localhost:8080`) matches one of the patterns. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  const bare = h.replace(/:\d+$/, "");
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    const target = p.includes(":") ? h : bare;
    if (p.startsWith("*.")) return target.endsWith(p.slice(1)) && target.length > p.length - 1;
    return target === p;
  });
}
