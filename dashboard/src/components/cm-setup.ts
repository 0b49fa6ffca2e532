/**
 * Everything CodeMirror, loaded on demand so the first paint does not pay for the editor:
 * a TypeScript editor with lint diagnostics, and a read-only unified diff.
 */
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { unifiedMergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { basicSetup, EditorView } from "codemirror";

export interface EditorError {
  line: number;
  column: number;
  message: string;
}

export function createEditor(parent: HTMLElement, doc: string, onChange: (value: string) => void, label: string): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        lintGutter(),
        EditorView.contentAttributes.of({ "aria-label": label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

/** Shows `error` (1-based line and column) as a lint diagnostic, or clears the diagnostics. */
export function showError(view: EditorView, error: EditorError | null): void {
  if (!error) {
    view.dispatch(setDiagnostics(view.state, []));
    return;
  }
  const doc = view.state.doc;
  const line = doc.line(Math.min(Math.max(1, error.line), doc.lines));
  let from = Math.min(line.from + Math.max(0, error.column - 1), line.to);
  const to = Math.max(from, line.to);
  if (from === to && from > line.from) from -= 1;
  view.dispatch(setDiagnostics(view.state, [{ from, to: Math.max(to, from), severity: "error", message: error.message }]));
}

export function createDiff(parent: HTMLElement, original: string, changed: string): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: changed,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
        unifiedMergeView({ original, mergeControls: false, gutter: true }),
      ],
    }),
  });
}
