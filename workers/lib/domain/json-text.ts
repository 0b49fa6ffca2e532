/**
 * JSON as Kiln stores and shows it: short previews for traces, and stored documents capped in
 * size with a marker. Pure; used by Kiln and by the `kiln` module inside function isolates.
 */

/** What a trace keeps of a value (a step's result is kept whole elsewhere beyond this, when it can be). */
export const PREVIEW_CHARS = 2000;
/** Stored input and output are capped; the run keeps a marker instead of a huge document. */
export const MAX_STORED_JSON = 64 * 1024;
const TRUNCATED = "kiln:truncated";

/** At most 2000 characters of a value's JSON; null for undefined. */
export function jsonPreview(value: unknown): string | null {
  if (value === undefined) return null;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : textPreview(text);
  } catch {
    return "[unserializable]";
  }
}

/** At most 2000 characters of JSON text (what jsonPreview gives for its value). */
export function textPreview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

/**
 * JSON text to store: as it is, or a truncation marker with a preview when it is longer than
 * `limit`; `object` names where the whole text is kept (an R2 key), if anywhere.
 */
export function storedJson(text: string, object?: string, limit = MAX_STORED_JSON): string {
  return text.length <= limit
    ? text
    : JSON.stringify({ [TRUNCATED]: true, characters: text.length, preview: text.slice(0, 1024), ...(object ? { object } : {}) });
}

/** The key of the object holding the whole document, when the stored text is a marker that names one. */
export function offloadedObject(text: string | null): string | null {
  if (text === null || !text.startsWith(`{"${TRUNCATED}"`)) return null;
  const value: unknown = JSON.parse(text);
  const object = typeof value === "object" && value !== null ? Reflect.get(value, "object") : undefined;
  return typeof object === "string" ? object : null;
}

/** The stored document, or null when only a truncation marker was kept. */
export function restoredJson(text: string | null): unknown {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  return typeof value === "object" && value !== null && TRUNCATED in value ? null : value;
}
