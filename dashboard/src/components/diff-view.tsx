/** A read-only unified diff of two sources (CodeMirror merge, loaded lazily). */
import { useEffect, useRef } from "preact/hooks";

export function DiffView({ original, changed }: { original: string; changed: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let view: { destroy(): void } | null = null;
    let cancelled = false;
    void import("./cm-setup").then((mod) => {
      if (!cancelled && host.current) view = mod.createDiff(host.current, original, changed);
    });
    return () => {
      cancelled = true;
      view?.destroy();
    };
  }, [original, changed]);
  return <div class="editor diff" ref={host} />;
}
