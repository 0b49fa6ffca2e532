/** A CodeMirror 6 TypeScript editor (loaded lazily) that can show one error at its line. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { EditorError } from "./cm-setup";

type Cm = typeof import("./cm-setup");
type View = ReturnType<Cm["createEditor"]>;

interface Props {
  value: string;
  onChange: (value: string) => void;
  error: EditorError | null;
  label: string;
}

export function CodeEditor({ value, onChange, error, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<View | null>(null);
  const cm = useRef<Cm | null>(null);
  const change = useRef(onChange);
  change.current = onChange;
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let cancelled = false;
    void import("./cm-setup").then((mod) => {
      if (cancelled || !host.current) return;
      cm.current = mod;
      view.current = mod.createEditor(host.current, value, (v) => change.current(v), label);
      setReady(true);
    });
    return () => {
      cancelled = true;
      view.current?.destroy();
      view.current = null;
    };
    // The editor owns its document after creation; later `value` props only reset it below.
  }, []);

  // A new `value` from outside (e.g. another version's source) replaces the document.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value, ready]);

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
