/** The theme toggle: follow the system, or always light, or always dark (kept in this browser). */
import { useState } from "preact/hooks";
import { setThemePreference, type ThemePreference, themePreference } from "../lib/theme";

export function ThemeToggle() {
  const [pref, setPref] = useState<ThemePreference>(themePreference);
  const choose = (next: ThemePreference) => {
    setPref(next);
    setThemePreference(next);
  };
  return (
    <label class="theme-toggle">
      <span class="sr-only">Theme</span>
      <select value={pref} onChange={(e) => choose(e.currentTarget.value as ThemePreference)} aria-label="Theme">
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
