/**
 * Follows a live job over its Server-Sent-Events stream: the latest `state` frame, and whether
 * the stream is up. When it breaks, the page polls instead and the stream is opened again after
 * 2 s, a few times at most. Closes the stream once the job has ended; `onChange` is called with
 * every frame whose status differs from the one before (so the page can load the final run).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { JobState } from "../api";
import { ACTIVE_STATUSES } from "./use-poll";

const MAX_RECONNECTS = 3;
const RECONNECT_MS = 2000;

export interface JobStream {
  state: JobState | null;
  /** When `state` arrived (epoch ms), to tell it from a fresher load. */
  at: number;
  /** "stream" while following the stream, "poll" while it is down, "off" when not following. */
  mode: "stream" | "poll" | "off";
}

export function useJobStream(url: string, active: boolean, onChange: (state: JobState) => void): JobStream {
  const [{ state, at }, setFrame] = useState<{ state: JobState | null; at: number }>({ state: null, at: 0 });
  const [failures, setFailures] = useState(0);
  const [connected, setConnected] = useState(false);
  const changed = useRef(onChange);
  changed.current = onChange;
  const supported = typeof EventSource !== "undefined";

  useEffect(() => {
    if (!active || !supported || failures > MAX_RECONNECTS) return;
    let source: EventSource | null = null;
    let last: string | null = null;
    const open = () => {
      source = new EventSource(url);
      source.onopen = () => setConnected(true);
      source.addEventListener("state", (e) => {
        let next: JobState;
        try {
          next = JSON.parse((e as MessageEvent<string>).data) as JobState;
        } catch {
          return;
        }
        setFrame({ state: next, at: Date.now() });
        if (!ACTIVE_STATUSES.has(next.status)) source?.close();
        if (next.status !== last) {
          last = next.status;
          changed.current(next);
        }
      });
      // EventSource would reconnect at once, forever: close it, poll, and reopen it ourselves.
      source.onerror = () => {
        source?.close();
        setConnected(false);
        setFrame({ state: null, at: 0 });
        setFailures((n) => n + 1);
      };
    };
    const timer = setTimeout(open, failures === 0 ? 0 : RECONNECT_MS);
    return () => {
      clearTimeout(timer);
      source?.close();
    };
  }, [url, active, failures]);

  if (!active) return { state, at, mode: "off" };
  // The first connection counts as up while it opens; after a failure, poll until one is up again.
  return { state, at, mode: supported && (connected || failures === 0) ? "stream" : "poll" };
}
