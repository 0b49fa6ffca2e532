/** The root: decides between sign-in and the app from GET /v1/session, then routes. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, type Session, setUnauthorizedHandler } from "./api";
import { hasScope, Layout } from "./components/layout";
import { Empty, ErrorBox, Loading } from "./components/states";
import { pageTitle } from "./lib/titles";
import { AlertsPage } from "./pages/alerts-page";
import { AuditPage } from "./pages/audit-page";
import { ConnectionsPage } from "./pages/connections-page";
import { ConsentPage } from "./pages/consent-page";
import { FunctionPage } from "./pages/function-page";
import { FunctionsList } from "./pages/functions-list";
import { InboxPage } from "./pages/inbox-page";
import { JobPage } from "./pages/job-page";
import { JobsList } from "./pages/jobs-list";
import { KeysPage } from "./pages/keys-page";
import { LogsPage } from "./pages/logs-page";
import { NewFunction } from "./pages/new-function";
import { OverviewPage } from "./pages/overview-page";
import { RunPage } from "./pages/run-page";
import { RunsList } from "./pages/runs-list";
import { SchedulePage } from "./pages/schedule-page";
import { SchedulesPage } from "./pages/schedules-page";
import { SecretsPage } from "./pages/secrets-page";
import { SignIn } from "./pages/sign-in";
import { WebhookPage } from "./pages/webhook-page";
import { WebhooksPage } from "./pages/webhooks-page";
import { Link, match, navigate, useLocation } from "./router";

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function Routes({ path, query, session }: { path: string; query: URLSearchParams; session: Session }) {
  if (path === "/" || path === "") {
    if (hasScope(session, "runs:read")) return <OverviewPage />;
    const first = hasScope(session, "functions:read")
      ? "/functions"
      : hasScope(session, "runs:read")
        ? "/runs"
        : hasScope(session, "jobs:read")
          ? "/jobs"
          : hasScope(session, "audit:read") && !hasScope(session, "keys:manage")
            ? "/audit"
            : "/keys";
    return <Redirect to={first} />;
  }
  if (match("/functions", path)) return <FunctionsList session={session} />;
  if (match("/functions/new", path)) return <NewFunction />;
  const fn = match("/functions/:name", path);
  if (fn) return <FunctionPage key={fn.name} name={fn.name!} session={session} />;
  if (match("/runs", path)) return <RunsList />;
  if (match("/logs", path)) return <LogsPage />;
  const run = match("/runs/:id", path);
  if (run) return <RunPage key={run.id} id={run.id!} session={session} />;
  if (match("/jobs", path)) return <JobsList tab="recent" session={session} />;
  if (match("/jobs/dead-letters", path)) return <JobsList tab="dead-letters" session={session} />;
  const job = match("/jobs/:id", path);
  if (job) return <JobPage key={job.id} id={job.id!} session={session} />;
  if (match("/inbox", path)) return <InboxPage session={session} />;
  if (match("/keys", path)) return <KeysPage />;
  if (match("/audit", path)) return <AuditPage />;
  if (match("/consent", path)) return <ConsentPage handle={query.get("handle")} />;
  if (match("/connections", path)) return <ConnectionsPage />;
  if (match("/secrets", path)) return <SecretsPage session={session} />;
  if (match("/webhooks", path)) return <WebhooksPage session={session} />;
  const hook = match("/webhooks/:id", path);
  if (hook) return <WebhookPage key={hook.id} id={hook.id!} session={session} />;
  if (match("/schedules", path)) return <SchedulesPage session={session} />;
  const sched = match("/schedules/:id", path);
  if (sched) return <SchedulePage key={sched.id} id={sched.id!} session={session} />;
  if (match("/alerts", path)) return <AlertsPage session={session} />;
  return (
    <Empty>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/functions">Go to functions</Link>.
      </p>
    </Empty>
  );
}

/** The shell without navigation: what shows before the session is known (matches index.html's frame). */
function Frame({ children }: { children: ComponentChildren }) {
  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Kiln</span>
      </header>
      <main id="main">{children}</main>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const { path, query } = useLocation();

  const check = () => {
    setError(null);
    api.session().then(setSession, (e: Error & { status?: number }) => {
      if (e.status === 401) setSession(null);
      else setError(e);
    });
  };

  useEffect(() => {
    setUnauthorizedHandler(() => setSession(null));
    check();
  }, []);

  useEffect(() => {
    document.title = pageTitle(path);
  }, [path]);

  if (error) return <Frame>{<ErrorBox error={error} onRetry={check} />}</Frame>;
  if (session === undefined)
    return (
      <Frame>
        <Loading />
      </Frame>
    );
  if (session === null) return <SignIn onSignedIn={setSession} />;

  const signOut = async () => {
    try {
      await api.signOut();
    } finally {
      setSession(null);
    }
  };
  return (
    <Layout session={session} path={path} onSignOut={signOut}>
      <Routes path={path} query={query} session={session} />
    </Layout>
  );
}
