/**
 * Unsaved editor work kept in this tab's sessionStorage, so a reload, a stray link or a crash
 * does not lose it. One draft per function name ("new" for the New function page). Storage can
 * be full or disabled (private modes): then drafts are simply not kept.
 */

export interface Draft {
  code: string;
  /** The name typed on the New function page. */
  name?: string;
}

const keyOf = (fn: string | null) => `kiln:draft:${fn ?? "new"}`;

export function readDraft(fn: string | null): Draft | null {
  try {
    const raw = sessionStorage.getItem(keyOf(fn));
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null || typeof (parsed as Draft).code !== "string") return null;
    const { code, name } = parsed as Draft;
    return typeof name === "string" ? { code, name } : { code };
  } catch {
    return null;
  }
}

export function saveDraft(fn: string | null, draft: Draft): void {
  try {
    sessionStorage.setItem(keyOf(fn), JSON.stringify(draft));
  } catch {
    // Quota or disabled storage: the leave guard still protects the work.
  }
}

export function clearDraft(fn: string | null): void {
  try {
    sessionStorage.removeItem(keyOf(fn));
  } catch {
    // Nothing stored, nothing to clear.
  }
}
