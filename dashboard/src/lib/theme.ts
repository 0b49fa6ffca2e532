/**
 * The colour theme: the user's choice (system, light or dark) kept in localStorage, resolved to
 * `data-theme="light|dark"` on <html>, which styles.css keys on. index.html resolves it once before
 * the first paint (so a dark page never flashes light); this module keeps it current afterwards
 * and announces changes with a `kiln:theme` event (the code editor listens).
 */

export type ThemePreference = "system" | "light" | "dark";

const KEY = "kiln:theme";
export const THEME_EVENT = "kiln:theme";

export function themePreference(): ThemePreference {
  try {
    const stored = localStorage.getItem(KEY);
    return stored === "light" || stored === "dark" ? stored : "system";
  } catch {
    return "system";
  }
}

/** The theme in force now. */
export function resolvedTheme(): "light" | "dark" {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

function systemDark(): boolean {
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/** Puts the preference into force (and tells listeners when the resolved theme changed). */
export function applyTheme(pref: ThemePreference = themePreference()): void {
  const next = pref === "dark" || (pref === "system" && systemDark()) ? "dark" : "light";
  if (document.documentElement.dataset.theme === next) return;
  document.documentElement.dataset.theme = next;
  window.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: next }));
}

export function setThemePreference(pref: ThemePreference): void {
  try {
    if (pref === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, pref);
  } catch {
    // Storage disabled: the choice holds for this page only.
  }
  applyTheme(pref);
}

/** Follows the system's light/dark switch while the preference is "system". */
export function watchSystemTheme(): void {
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (themePreference() === "system") applyTheme("system");
  });
}
