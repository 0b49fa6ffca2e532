/**
 * A CodeMirror 6 TypeScript editor (loaded lazily) that can show one error at its line.
 * The editor owns its document: `initialValue` is read once, edits flow out through `onChange`,
 * and nothing flows back in. Pushing the parent's copy back on each render raced fast typing
 * (a stale copy overwrote a newer edit, whose change handler set the stale one again, forever).
 * To replace the document, remount the editor with a new `key`.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { EditorError } from "./cm-setup";

type Cm = typeof import("./cm-setup");
type View = ReturnType<Cm["createEditor"]>;

interface Props {
  initialValue: string;
  onChange: (value: string) => void;
  error: EditorError | null;
  label: string;
}

export function CodeEditor({ initialValue, onChange, error, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<View | null>(null);
  const cm = useRef<Cm | null>(null);
  const change = useRef(onChange);
  change.current = onChange;
  const [ready, setReady] = useState(false);

  // Created once: the editor owns its document from then on.
  useEffect(() => {
    let cancelled = false;
    void import("./cm-setup").then((mod) => {
      if (cancelled || !host.current) return;
      cm.current = mod;
      view.current = mod.createEditor(host.current, initialValue, (v) => change.current(v), label);
      setReady(true);
    });
    return () => {
      cancelled = true;
      view.current?.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    if (view.current && cm.current) cm.current.showError(view.current, error);
  }, [error, ready]);

  return (
    <div class="editor-wrap">
      {!ready && <p class="state loading">Loading editor…</p>}
      <div class="editor" ref={host} />
    </div>
  );
}
