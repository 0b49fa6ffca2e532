/**
 * One run: status, version, ids, input/output/error and the trace waterfall; polls while in
 * progress. A job's run is shown by its job page (live view and trace on one page) when the key
 * may read jobs.
 */
import { useEffect } from "preact/hooks";
import { api, type Session } from "../api";
import { CopyableId } from "../components/copy-button";
import { Fact, OriginFacts } from "../components/facts";
import { hasScope } from "../components/layout";
import { PayloadView } from "../components/payload-view";
import { ErrorBox, Loading } from "../components/states";
import { StatusBadge } from "../components/status-badge";
import { Waterfall } from "../components/waterfall";
import { replayWithEditsHref } from "../lib/bulk";
import { dateTime, duration } from "../lib/format";
import { isJob } from "../lib/jobs";
import { useAsync } from "../lib/use-async";
import { ACTIVE_STATUSES, usePoll } from "../lib/use-poll";
import { Link, navigate } from "../router";

export function RunPage({ id, session }: { id: string; session: Session }) {
  const { data: run, error, reload } = useAsync(() => api.run(id), [id]);
  const toJobPage = run !== undefined && isJob(run) && hasScope(session, "jobs:read");
  usePoll(run !== undefined && !toJobPage && ACTIVE_STATUSES.has(run.status), reload);
  useEffect(() => {
    if (toJobPage) navigate(`/jobs/${encodeURIComponent(id)}`, true);
  }, [toJobPage, id]);

  if (error && !run) return <ErrorBox error={error} onRetry={reload} />;
  if (!run || toJobPage) return <Loading />;

  return (
    <section>
      <p class="crumbs">
        <Link href="/runs">Runs</Link> /
      </p>
      <div class="page-head">
        <h1>
          Run of <Link href={`/functions/${run.function}`}>{run.function}</Link>
        </h1>
        <StatusBadge status={run.status} />
        <Link href={replayWithEditsHref(run)} class="button">
          Replay with edits
        </Link>
      </div>
      <dl class="facts">
        <Fact term="Run id">
          <CopyableId value={run.id} />
        </Fact>
        <Fact term="Version">
          <Link href={`/functions/${run.function}`}>v{run.version}</Link> <CopyableId value={run.versionId} />
        </Fact>
        <Fact term="Trigger">{run.trigger}</Fact>
        <Fact term="Created">{dateTime(run.createdAt)}</Fact>
        <Fact term="Duration">{duration(run.durationMs)}</Fact>
        <Fact term="Attempt">{run.attempt}</Fact>
        <OriginFacts run={run} />
      </dl>

      {run.error && (
        <div class="run-error" role="alert">
          <strong>{run.error.name ?? "Error"}</strong>
          {run.error.step && <> in step “{run.error.step}”</>}: {run.error.message}
          <span class="muted small"> ({run.error.retryable ? "retryable" : "not retryable"})</span>
        </div>
      )}

      <section class="panel" aria-labelledby="trace-heading">
        <h2 id="trace-heading">Trace</h2>
        <Waterfall run={run} />
      </section>

      <div class="two-col">
        <section class="panel" aria-labelledby="input-heading">
          <h2 id="input-heading">Input</h2>
          <PayloadView value={run.input} load={() => api.runPayload(run.id, "input")} />
        </section>
        <section class="panel" aria-labelledby="output-heading">
          <h2 id="output-heading">Output</h2>
          {run.output === null || run.output === undefined ? (
            <p class="muted">No output.</p>
          ) : (
            <PayloadView value={run.output} load={() => api.runPayload(run.id, "output")} />
          )}
        </section>
      </div>
    </section>
  );
}
