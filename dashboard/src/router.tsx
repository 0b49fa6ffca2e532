/**
 * A tiny client-side router on the History API: the current location as a hook, navigate(),
 * <Link> for same-tab navigation that keeps modifier-clicks working, and leave guards that ask
 * before a page with unsaved work is left (in-app links, Back/Forward, closing or reloading the tab).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

/** Questions asked before leaving the current page, one per piece of unsaved work (null: nothing to lose now). */
const guards = new Set<() => string | null>();
let shownHref = typeof window === "undefined" ? "" : window.location.href;
let internal = false;

/** Whether the user agrees to leave (asked once per guard with something to lose; none: yes). */
function mayLeave(): boolean {
  for (const guard of guards) {
    const question = guard();
    if (question && !window.confirm(question)) return false;
  }
  return true;
}

// Back/Forward has already moved the URL when popstate fires: put it back if the user stays.
// Registered before any component listens, so stopping the event hides it from them.
if (typeof window !== "undefined") {
  window.addEventListener("popstate", (e) => {
    if (internal) return;
    if (window.location.href !== shownHref && !mayLeave()) {
      e.stopImmediatePropagation();
      history.pushState(null, "", shownHref);
      return;
    }
    shownHref = window.location.href;
  });
}

/** Goes to `to` (path plus optional query); `replace` keeps the history entry. Asks leave guards first, unless replacing. */
export function navigate(to: string, replace = false): void {
  if (!replace && new URL(to, window.location.href).pathname !== window.location.pathname && !mayLeave()) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  shownHref = window.location.href;
  internal = true;
  try {
    window.dispatchEvent(new PopStateEvent("popstate"));
  } finally {
    internal = false;
  }
}

/**
 * While `question()` answers a question, leaving the page asks it first (in-app navigation: a
 * confirm dialog; closing or reloading the tab: the browser's own prompt). Read at leave time, so
 * work saved a moment ago never asks.
 */
export function useLeaveGuard(question: () => string | null): void {
  const current = useRef(question);
  current.current = question;
  useEffect(() => {
    const guard = () => current.current();
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (!guard()) return;
      e.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      e.returnValue = "";
    };
    guards.add(guard);
    window.addEventListener("beforeunload", beforeUnload);
    return () => {
      guards.delete(guard);
      window.removeEventListener("beforeunload", beforeUnload);
    };
  }, []);
}

/** The current location; re-renders on navigation. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener("popstate", update);
    return () => window.removeEventListener("popstate", update);
  }, []);
  return loc;
}

/** Matches "/functions/:name" against a path; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.replace(/\/+$/, "").split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
  "aria-current"?: "page";
  onClick?: () => void;
}

/** An anchor that navigates without a reload; `onClick` runs first (e.g. to close a menu). */
export function Link({ href, children, onClick, ...rest }: LinkProps) {
  const click = (e: MouseEvent) => {
    onClick?.();
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a {...rest} href={href} onClick={click}>
      {children}
    </a>
  );
}
