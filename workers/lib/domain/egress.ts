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

/**
 * Why an outbound URL is refused whatever the allow-list says, or null. IP literals in any form
 * (the URL parser has already turned decimal, octal, hex and short IPv4 forms into dotted quads),
 * `localhost` and `*.localhost`, userinfo and non-HTTP schemes are refused, so that a wildcard or a
 * crafted URL never reaches loopback, private, link-local or metadata addresses. `allowLocal` (an
 * admin-only setting for local development) lets allow-listed local targets through.
 */
export function refusedTarget(url: URL, allowLocal = false): string | null {
  if (url.protocol !== "https:" && url.protocol !== "http:") return `the scheme ${url.protocol} is not allowed (only http and https)`;
  if (url.username !== "" || url.password !== "") return "URLs with credentials (user:password@host) are not allowed";
  if (allowLocal) return null;
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return `IP address ${url.hostname} is not allowed: use a host name`;
  if (host === "localhost" || host.endsWith(".localhost")) return `${url.hostname} is a local host name`;
  return null;
}
