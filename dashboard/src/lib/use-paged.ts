/**
 * A cursor-paged list of runs, newest first: the first page (again whenever `deps` change),
 * "load more", and a refresh of the first page every 2 s while any listed run is live, every
 * 5 s otherwise (so new runs appear), never while the tab is hidden.
 * A stale answer never wins.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Page, RunView } from "../api";
import { ACTIVE_STATUSES, usePoll } from "./use-poll";

export interface Paged {
  items: RunView[] | null;
  error: Error | null;
  /** True while some listed run is queued, running or waiting (and the list refreshes). */
  active: boolean;
  /** Set while there is an older page; loadMore() appends it. */
  cursor: string | null;
  loadingMore: boolean;
  loadMore: () => Promise<void>;
  reload: () => void;
}

/** `first` runs first and keeps its order; runs of `rest` not in it follow. */
function joined(first: RunView[], rest: RunView[]): RunView[] {
  const ids = new Set(first.map((r) => r.id));
  return [...first, ...rest.filter((r) => !ids.has(r.id))];
}

export function usePaged(load: (cursor?: string) => Promise<Page>, deps: unknown[]): Paged {
  const [items, setItems] = useState<RunView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const seq = useRef(0);

  const reload = useCallback(() => {
    const mine = ++seq.current;
    setItems(null);
    setError(null);
    load().then(
      (page) => {
        if (mine !== seq.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
      },
      (e: Error) => mine === seq.current && setError(e),
    );
  }, deps);
  useEffect(reload, [reload]);

  const active = (items ?? []).some((r) => ACTIVE_STATUSES.has(r.status));
  // New runs appear while the page is open, whether or not a listed run is live (faster while one is).
  usePoll(
    items !== null,
    async () => {
      if (document.hidden) return;
      const mine = seq.current;
      const page = await load();
      if (mine === seq.current) setItems((cur) => joined(page.items, cur ?? []));
    },
    active ? 2000 : 5000,
  );

  const loadMore = async () => {
    if (!cursor) return;
    const mine = seq.current;
    setLoadingMore(true);
    try {
      const page = await load(cursor);
      if (mine !== seq.current) return;
      setItems((cur) => joined(cur ?? [], page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      if (mine === seq.current) setError(e as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  return { items, error, active, cursor, loadingMore, loadMore, reload };
}
