/** Small display helpers: times, durations, JSON. */

export function timeAgo(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return "—";
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  const s = Math.round((now - t) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(t).toLocaleDateString();
}

export function dateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  return new Date(iso).toLocaleString();
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  // The platform's clock does not advance during synchronous code: 0 means "too quick to measure".
  if (ms < 1) return "< 1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

export function pretty(value: unknown): string {
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}

/** Pretty-prints a JSON text preview when it parses, else returns it unchanged. */
export function prettyText(text: string | null): string {
  if (text === null) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** What a view holds instead of a payload over 64 KiB (kept whole in R2): its size and a preview. */
export interface PayloadMarker {
  characters: number;
  preview: string;
}

/** The marker a stored payload is, if it is one (a step's result arrives as JSON text). */
export function payloadMarker(value: unknown): PayloadMarker | null {
  let v = value;
  if (typeof v === "string") {
    if (!v.startsWith('{"kiln:truncated"')) return null;
    try {
      v = JSON.parse(v);
    } catch {
      return null;
    }
  }
  if (typeof v !== "object" || v === null || Reflect.get(v, "kiln:truncated") !== true) return null;
  const characters = Reflect.get(v, "characters");
  const preview = Reflect.get(v, "preview");
  return typeof characters === "number" && typeof preview === "string" ? { characters, preview } : null;
}
