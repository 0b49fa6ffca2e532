/**
 * JSON as Kiln stores and shows it: short previews for traces, and stored documents capped in
 * size with a marker. Pure; used by Kiln and by the `kiln` module inside function isolates.
 */

const PREVIEW_CHARS = 2000;
/** Stored input and output are capped; the run keeps a marker instead of a huge document. */
const MAX_STORED_JSON = 64 * 1024;
const TRUNCATED = "kiln:truncated";

/** At most 2000 characters of a value's JSON; null for undefined. */
export function jsonPreview(value: unknown): string | null {
  if (value === undefined) return null;
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return null;
    return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
  } catch {
    return "[unserializable]";
  }
}

/** JSON text to store: as it is, or a truncation marker with a preview when it is too large. */
export function storedJson(text: string): string {
  return text.length <= MAX_STORED_JSON
    ? text
    : JSON.stringify({ [TRUNCATED]: true, characters: text.length, preview: text.slice(0, 1024) });
}

/** The stored document, or null when only a truncation marker was kept. */
export function restoredJson(text: string | null): unknown {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  return typeof value === "object" && value !== null && TRUNCATED in value ? null : value;
}
