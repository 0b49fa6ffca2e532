/**
 * The command palette (⌘K / Ctrl-K): jump to a page, a function, or a run or job by its id; "?"
 * lists the keyboard shortcuts. A native <dialog> (modal: focus stays inside, Escape closes it).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type Session } from "../api";
import { navigate } from "../router";
import { hasScope, NAV } from "./layout";

interface Entry {
  label: string;
  hint: string;
  href: string;
}

const SHORTCUTS: [string, string][] = [
  ["⌘K / Ctrl-K", "open this palette: pages, functions, run and job ids"],
  ["↑ ↓, Enter", "choose in the palette"],
  ["Escape", "close"],
  ["?", "show these shortcuts"],
];

/** Entries matching `text`: pages and functions by name; a run id opens its run and job pages. */
function entriesFor(text: string, session: Session, functions: string[]): Entry[] {
  const q = text.trim().toLowerCase();
  const out: Entry[] = [];
  if (/^run_[a-z0-9]+$/.test(q)) {
    out.push({ label: q, hint: "Run", href: `/runs/${q}` }, { label: q, hint: "Job", href: `/jobs/${q}` });
  }
  for (const n of NAV)
    if ((n.scope === undefined || hasScope(session, n.scope)) && n.label.toLowerCase().includes(q))
      out.push({ label: n.label, hint: "Page", href: n.href });
  for (const f of functions) if (f.includes(q)) out.push({ label: f, hint: "Function", href: `/functions/${encodeURIComponent(f)}` });
  return out.slice(0, 12);
}

const typing = (e: KeyboardEvent) => {
  const t = e.target as HTMLElement | null;
  return !!t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
};

export function CommandPalette({ session }: { session: Session }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [mode, setMode] = useState<"closed" | "palette" | "help">("closed");
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const [functions, setFunctions] = useState<string[]>([]);

  // A layout effect: the shortcut works as soon as the page shows. A plain effect runs after the
  // first paint, so a Ctrl-K pressed at once was lost (the e2e test lost it under CI load).
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setMode("palette");
      } else if (e.key === "?" && !typing(e)) setMode("help");
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (mode === "closed") d.open && d.close();
    else if (!d.open) d.showModal();
    if (mode === "palette") {
      setText("");
      setActive(0);
      if (hasScope(session, "functions:read"))
        api.functions().then(
          (fs) => setFunctions(fs.map((f) => f.name)),
          () => setFunctions([]),
        );
    }
  }, [mode]);

  const entries = useMemo(() => entriesFor(text, session, functions), [text, functions]);
  const go = (entry: Entry | undefined) => {
    if (!entry) return;
    setMode("closed");
    navigate(entry.href);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") setActive((i) => Math.min(entries.length - 1, i + 1));
    else if (e.key === "ArrowUp") setActive((i) => Math.max(0, i - 1));
    else if (e.key === "Enter") go(entries[active]);
    else return;
    e.preventDefault();
  };

  return (
    <dialog ref={dialog} class="palette" aria-label={mode === "help" ? "Keyboard shortcuts" : "Go to"} onClose={() => setMode("closed")}>
      {mode === "help" ? (
        <>
          <h2>Keyboard shortcuts</h2>
          <dl class="shortcuts">
            {SHORTCUTS.map(([k, what]) => (
              <div key={k}>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </>
      ) : mode === "palette" ? (
        <>
          <input
            type="search"
            aria-label="Go to a page, function, run or job id"
            placeholder="Go to… (a page, a function, run_…)"
            value={text}
            onInput={(e) => {
              setText(e.currentTarget.value);
              setActive(0);
            }}
            onKeyDown={onKey}
          />
          <ul class="palette-list" aria-label="Matches">
            {entries.map((e, i) => (
              <li key={`${e.hint}:${e.href}`}>
                <button
                  type="button"
                  class={i === active ? "active" : ""}
                  aria-current={i === active ? "true" : undefined}
                  onClick={() => go(e)}
                >
                  {e.label} <span class="muted small">{e.hint}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
