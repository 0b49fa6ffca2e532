/**
 * The app shell: brand, primary navigation (collapsible on phones) and the signed-in identity.
 * New sections (Jobs, Schedules, Webhooks, Secrets) are one entry in NAV each.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { Scope, Session } from "../api";
import { Link } from "../router";
import { CommandPalette } from "./command-palette";
import { ThemeToggle } from "./theme-toggle";

interface NavItem {
  href: string;
  label: string;
  /** Shown only to sessions holding this scope (admin holds every scope); absent: to everyone. */
  scope?: Scope;
}

export const NAV: NavItem[] = [
  { href: "/", label: "Overview", scope: "runs:read" },
  { href: "/functions", label: "Functions", scope: "functions:read" },
  { href: "/runs", label: "Runs", scope: "runs:read" },
  { href: "/logs", label: "Logs", scope: "runs:read" },
  { href: "/jobs", label: "Jobs", scope: "jobs:read" },
  { href: "/inbox", label: "Approvals", scope: "jobs:read" },
  { href: "/webhooks", label: "Webhooks", scope: "webhooks:read" },
  { href: "/schedules", label: "Schedules", scope: "schedules:read" },
  { href: "/secrets", label: "Secrets", scope: "secrets:read" },
  { href: "/alerts", label: "Alerts", scope: "alerts:read" },
  { href: "/keys", label: "API keys", scope: "keys:manage" },
  { href: "/audit", label: "Audit log", scope: "audit:read" },
  { href: "/connections", label: "Connected apps" },
];

export function hasScope(session: Session, scope: Scope): boolean {
  return session.scopes.includes("admin") || session.scopes.includes(scope);
}

interface Props {
  session: Session;
  path: string;
  onSignOut: () => void;
  children: ComponentChildren;
}

export function Layout({ session, path, onSignOut, children }: Props) {
  const [open, setOpen] = useState(false);
  const items = NAV.filter((n) => n.scope === undefined || hasScope(session, n.scope));
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand">
          Kiln
        </Link>
        <button type="button" class="menu-toggle" aria-expanded={open} aria-controls="main-nav" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <nav id="main-nav" class={open ? "open" : ""} aria-label="Main">
          <ul>
            {items.map((n) => (
              <li key={n.href}>
                <Link
                  href={n.href}
                  aria-current={(n.href === "/" ? path === "/" : path.startsWith(n.href)) ? "page" : undefined}
                  onClick={() => setOpen(false)}
                >
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
          <div class="who">
            <ThemeToggle />
            <span title="Signed in as">
              <code>{session.keyId}</code>
            </span>
            <button type="button" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </nav>
      </header>
      <main id="main">{children}</main>
      <CommandPalette session={session} />
    </div>
  );
}
