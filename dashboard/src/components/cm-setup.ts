/**
 * Everything CodeMirror, loaded on demand so the first paint does not pay for the editor:
 * a TypeScript editor with lint diagnostics, and a read-only unified diff. Colours come from the
 * page's CSS variables (styles.css), so light and dark themes need no second palette here; the
 * light/dark flag is still switched live because CodeMirror's own base styles key on it.
 */
import { javascript } from "@codemirror/lang-javascript";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { unifiedMergeView } from "@codemirror/merge";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { ViewPlugin } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import { basicSetup, EditorView } from "codemirror";
import { resolvedTheme, THEME_EVENT } from "../lib/theme";

const tokens = HighlightStyle.define([
  { tag: [t.keyword, t.modifier, t.controlKeyword, t.operatorKeyword], color: "var(--tok-keyword)" },
  { tag: [t.string, t.special(t.string), t.regexp], color: "var(--tok-string)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--tok-number)" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--tok-comment)", fontStyle: "italic" },
  { tag: [t.typeName, t.className, t.namespace], color: "var(--tok-type)" },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.definition(t.variableName)], color: "var(--tok-function)" },
  { tag: [t.propertyName], color: "var(--tok-property)" },
  { tag: [t.invalid], color: "var(--bad)" },
]);

const chrome = {
  "&": { color: "var(--text)", backgroundColor: "var(--surface)" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection": {
    backgroundColor: "var(--cm-selection)",
  },
  ".cm-gutters": { backgroundColor: "var(--surface)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "var(--cm-active-line)" },
  ".cm-tooltip, .cm-panels": { backgroundColor: "var(--surface)", color: "var(--text)", border: "1px solid var(--border)" },
  ".cm-deletedChunk": { backgroundColor: "var(--cm-deleted)" },
  "&.cm-merge-b .cm-changedLine, .cm-inlineChangedLine": { backgroundColor: "var(--cm-inserted)" },
};

const themeSlot = new Compartment();
const live = new Set<EditorView>();
const themeOf = (dark: boolean): Extension => [EditorView.theme(chrome, { dark }), syntaxHighlighting(tokens)];
const tracked = ViewPlugin.define((view) => {
  live.add(view);
  return { destroy: () => live.delete(view) };
});
const themed = (): Extension => [themeSlot.of(themeOf(resolvedTheme() === "dark")), tracked];

// Every open editor and diff follows the page's theme toggle.
window.addEventListener(THEME_EVENT, () => {
  const dark = resolvedTheme() === "dark";
  for (const view of live) view.dispatch({ effects: themeSlot.reconfigure(themeOf(dark)) });
});

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
        themed(),
        lintGutter(),
        // An explicit tabindex (the content is focusable anyway) lets checkers see the scroll area is reachable.
        EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" }),
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

/**
 * A read-only view (still focusable, so keyboard users can scroll and select in it) of `doc`, with
 * any extra extensions: the source of a version, or a diff against another.
 */
function readOnlyView(parent: HTMLElement, doc: string, label: string, extra: Extension[] = []): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        javascript({ typescript: true }),
        themed(),
        EditorState.readOnly.of(true),
        EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" }),
        ...extra,
      ],
    }),
  });
}

export function createDiff(parent: HTMLElement, original: string, changed: string): EditorView {
  return readOnlyView(parent, changed, "Differences between the two versions", [
    unifiedMergeView({ original, mergeControls: false, gutter: true }),
  ]);
}

/** A read-only view of a source. */
export function createReader(parent: HTMLElement, doc: string, label: string): EditorView {
  return readOnlyView(parent, doc, label);
}
