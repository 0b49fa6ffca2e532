/**
 * The logs explorer's live tail: new lines from GET /v1/logs/stream while `on`, closed while the
 * tab is hidden (a hidden tab costs the API nothing) and reopened from the last line seen when it
 * shows again, so nothing written meanwhile is missed. EventSource itself reconnects when the
 * server ends a stream (it sends Last-Event-ID).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type LogLineView, type LogsFilter } from "../api";

export type TailState = "off" | "connecting" | "live" | "paused";

export function useLogTail(filter: LogsFilter, on: boolean, onLine: (line: LogLineView) => void): TailState {
  const [state, setState] = useState<TailState>("off");
  const lastId = useRef<string | null>(null);
  const handler = useRef(onLine);
  handler.current = onLine;

  useEffect(() => {
    lastId.current = null;
    if (!on) {
      setState("off");
      return;
    }
    let source: EventSource | null = null;
    const open = () => {
      if (document.hidden) {
        setState("paused");
        return;
      }
      const after = lastId.current;
      source = new EventSource(`${api.logStreamUrl(filter)}${after ? `&after=${after}` : ""}`);
      setState("connecting");
      source.addEventListener("ready", (e) => {
        lastId.current = (e as MessageEvent).lastEventId || lastId.current;
        setState("live");
      });
      source.addEventListener("line", (e) => {
        const event = e as MessageEvent<string>;
        lastId.current = event.lastEventId;
        handler.current(JSON.parse(event.data) as LogLineView);
      });
      source.onerror = () => setState(source?.readyState === EventSource.CLOSED ? "paused" : "connecting");
    };
    const close = () => {
      source?.close();
      source = null;
    };
    const onVisibility = () => {
      close();
      open();
    };
    open();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      close();
    };
  }, [on, JSON.stringify(filter)]);

  return state;
}
