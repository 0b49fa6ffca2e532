/** Functions: name, active version, exposures and the status of the last run. */
import { api, type FunctionView, type Session } from "../api";
import { hasScope } from "../components/layout";
import { Empty, ErrorBox, Loading } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";

export function Exposures({ exposures }: { exposures: FunctionView["exposures"] }) {
  const on = (["tool", "job"] as const).filter((k) => exposures[k]);
  if (on.length === 0) return <span class="muted">none</span>;
  return (
    <span class="tags">
      {on.map((k) => (
        <span key={k} class="tag">
          {k}
        </span>
      ))}
    </span>
  );
}

export function FunctionsList({ session }: { session: Session }) {
  const { data, error, loading, reload } = useAsync(api.functions, []);
  const canWrite = hasScope(session, "functions:write");
  return (
    <section>
      <div class="page-head">
        <h1>Functions</h1>
        {canWrite && (
          <Link href="/functions/new" class="button primary">
            New function
          </Link>
        )}
      </div>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && data.length === 0 && (
        <Empty>
          <p>No functions yet.</p>
          {canWrite && (
            <p>
              <Link href="/functions/new">Write and deploy your first function</Link> — it becomes a tool agents can call.
            </p>
          )}
        </Empty>
      )}
      {data && data.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Functions" class="stack">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Active version</th>
                <th scope="col">Exposures</th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {data.map((f) => (
                <tr key={f.id}>
                  <td>
                    <Link href={`/functions/${f.name}`}>
                      <strong>{f.name}</strong>
                    </Link>
                    {f.description && <div class="muted small">{f.description}</div>}
                  </td>
                  <td data-label="Active version">{f.activeVersion === null ? "—" : `v${f.activeVersion}`}</td>
                  <td data-label="Exposures">
                    <Exposures exposures={f.exposures} />
                  </td>
                  <td data-label="Last run">
                    {f.lastRun ? (
                      <Link href={`/runs/${f.lastRun.id}`} class="run-link">
                        <StatusBadge status={f.lastRun.status} /> <span class="muted small">{timeAgo(f.lastRun.createdAt)}</span>
                      </Link>
                    ) : (
                      <span class="muted">never run</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
