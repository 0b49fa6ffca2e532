/** Calls `tick` every `ms` while `active` is true; stops when the page is left. */
import { useEffect, useRef } from "preact/hooks";

export function usePoll(active: boolean, tick: () => void | Promise<void>, ms = 2000): void {
  const fn = useRef(tick);
  fn.current = tick;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const loop = async () => {
      if (stopped) return;
      try {
        await fn.current();
      } finally {
        if (!stopped) timer = setTimeout(loop, ms);
      }
    };
    timer = setTimeout(loop, ms);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, ms]);
}

export const ACTIVE_STATUSES = new Set(["queued", "running", "waiting"]);
