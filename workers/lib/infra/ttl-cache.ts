/**
 * A small per-isolate cache: entries live `ttlMs`, and at most `maxEntries` are kept (the oldest
 * inserted goes first), so keys a caller controls (function names, endpoint ids) cannot grow it
 * without bound. Shared by the caches of active functions and webhook endpoints. No imports.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The entry of `key` and when it was stored, while it is younger than the TTL at `now`. */
  get(key: string, now: number): { at: number; value: V } | undefined {
    const hit = this.entries.get(key);
    return hit && now - hit.at < this.ttlMs ? hit : undefined;
  }

  set(key: string, value: V, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { at: now, value });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
