/** The browser tab's title for a dashboard path: the page and the thing it shows ("greet · Functions · Kiln"). */

const SECTIONS: Record<string, string> = {
  functions: "Functions",
  runs: "Runs",
  logs: "Logs",
  jobs: "Jobs",
  inbox: "Approvals",
  webhooks: "Webhooks",
  schedules: "Schedules",
  secrets: "Secrets",
  keys: "API keys",
  audit: "Audit log",
};

const PAGES: Record<string, string> = {
  "functions/new": "New function",
  "jobs/dead-letters": "Dead letters",
};

export function pageTitle(path: string): string {
  const parts = path.split("/").filter(Boolean);
  const section = parts[0] ? SECTIONS[parts[0]] : undefined;
  if (!section) return parts.length === 0 ? "Kiln" : "Not found · Kiln";
  if (parts.length === 1) return `${section} · Kiln`;
  const page = PAGES[parts.slice(0, 2).join("/")];
  let item = parts[1]!;
  try {
    item = decodeURIComponent(item);
  } catch {
    // A malformed escape: show it as typed.
  }
  return `${page ?? item} · ${section} · Kiln`;
}
