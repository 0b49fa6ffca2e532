/**
 * One function: its active version, how to call it (schemas, snippets, tool definitions), its
 * metrics and recent runs, Try it, its source (read-only, then edit and deploy), version history,
 * diff, rollback, delete.
 */
import { useState } from "preact/hooks";
import { api, type ConcurrencyLine, type Session } from "../api";
import { CallGuide } from "../components/call-guide";
import { ConfirmButton } from "../components/confirm-button";
import { CopyableId } from "../components/copy-button";
import { DeployForm } from "../components/deploy-form";
import { Fact } from "../components/facts";
import { FunctionConfig } from "../components/function-config";
import { hasScope } from "../components/layout";
import { MetricsPanel } from "../components/metrics-panel";
import { PagedRuns } from "../components/runs-table";
import { SourceDisclosure } from "../components/source-view";
import { ErrorBox, Loading, Notice } from "../components/states";
import { TryPanel } from "../components/try-panel";
import { joinFiles, VersionDiff } from "../components/version-diff";
import { VersionsPanel } from "../components/versions-panel";
import { readDraft } from "../lib/drafts";
import { useAsync } from "../lib/use-async";
import { usePaged } from "../lib/use-paged";
import { Link, navigate } from "../router";
import { Exposures } from "./functions-list";

async function loadFunction(name: string) {
  const [fn, versions] = await Promise.all([api.fn(name), api.versions(name)]);
  return { fn, versions };
}

export function FunctionPage({ name, session }: { name: string; session: Session }) {
  const { data, error, loading, reload } = useAsync(() => loadFunction(name), [name]);
  const [editing, setEditing] = useState<string | null>(null);
  const [editError, setEditError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const startEditing = async () => {
    if (!data) return;
    setEditError(null);
    try {
      setEditing(joinFiles(await api.source(name, data.fn.currentVersion.number)));
    } catch (e) {
      setEditError(e as Error);
    }
  };

  if (error && !data) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  const { fn, versions } = data;
  const active = fn.currentVersion;

  return (
    <section>
      <p class="crumbs">
        <Link href="/functions">Functions</Link> /
      </p>
      <div class="page-head">
        <h1>{fn.name}</h1>
        <Link href={`/runs?function=${encodeURIComponent(fn.name)}`} class="button">
          Runs
        </Link>
      </div>
      {fn.description && <p class="lead">{fn.description}</p>}
      <dl class="facts">
        <Fact term="Active version" testId="active-version">
          v{active.number}
        </Fact>
        <Fact term="Exposures">
          <Exposures exposures={active.manifest.exposures} />
        </Fact>
        <Fact term="Timeout">{active.manifest.timeoutMs} ms</Fact>
        {fn.concurrency && (
          <Fact term="Concurrency" testId="concurrency">
            <ConcurrencyFact line={fn.concurrency} />
          </Fact>
        )}
        <Fact term="Version id">
          <CopyableId value={active.id} />
        </Fact>
      </dl>
      <Notice text={notice} />
      {loading && <Loading label="Refreshing…" />}

      <section class="panel" aria-labelledby="call-heading">
        <h2 id="call-heading">How to call it</h2>
        <CallGuide name={fn.name} manifest={active.manifest} session={session} />
      </section>

      {hasScope(session, "runs:read") && (
        <>
          <section class="panel" aria-labelledby="metrics-heading">
            <h2 id="metrics-heading">Metrics</h2>
            <MetricsPanel fn={fn.name} />
          </section>
          <section class="panel" aria-labelledby="recent-heading">
            <h2 id="recent-heading">Recent runs</h2>
            <RecentRuns name={fn.name} />
          </section>
        </>
      )}

      <section class="panel" aria-labelledby="try-heading">
        <h2 id="try-heading">Try it</h2>
        <TryPanel key={active.id} name={fn.name} manifest={active.manifest} />
      </section>

      <section class="panel" aria-labelledby="config-heading">
        <h2 id="config-heading">Configuration</h2>
        <FunctionConfig name={fn.name} manifest={active.manifest} version={active.number} session={session} />
      </section>

      <section class="panel" aria-labelledby="code-heading">
        <h2 id="code-heading">Code</h2>
        {editing === null ? (
          <>
            <SourceDisclosure key={active.number} name={fn.name} version={active.number} />
            <p class="muted">Deploying creates version v{versions.length + 1} and makes it active.</p>
            <button type="button" onClick={startEditing}>
              {readDraft(fn.name) ? "Resume your unsaved draft" : `Edit v${active.number} and deploy a new version`}
            </button>
            {editError && <ErrorBox error={editError} />}
          </>
        ) : (
          <>
            <DeployForm
              name={fn.name}
              initialCode={editing}
              submitLabel="Deploy new version"
              onDeployed={(v) => {
                setEditing(null);
                setNotice(
                  v.unchanged ? `Nothing to deploy: v${v.number} already has this code.` : `Deployed v${v.number}; it is now active.`,
                );
                void reload();
              }}
            />
            <button type="button" class="link" onClick={() => setEditing(null)}>
              Cancel editing
            </button>
          </>
        )}
      </section>

      <section class="panel" aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        <VersionsPanel
          name={fn.name}
          versions={versions}
          onChanged={(message) => {
            setNotice(message);
            void reload();
          }}
        />
      </section>

      {versions.length > 1 && (
        <section class="panel" aria-labelledby="diff-heading">
          <h2 id="diff-heading">Compare versions</h2>
          <VersionDiff key={versions.length} name={fn.name} versions={versions} />
        </section>
      )}

      <section class="panel danger-zone" aria-labelledby="delete-heading">
        <h2 id="delete-heading">Delete</h2>
        <DeleteFunction name={fn.name} />
      </section>
    </section>
  );
}

/** The newest runs of this function (the Runs page's table), refreshed while the page is open. */
function RecentRuns({ name }: { name: string }) {
  const list = usePaged((cursor) => api.runs({ function: name }, cursor), [name]);
  return <PagedRuns kind="runs" list={list} empty={<p>No runs yet. Try it below, or call it with the snippet above.</p>} />;
}

/** The job line: how many run and wait out of the limit, each id linking to its job page. */
function ConcurrencyFact({ line }: { line: ConcurrencyLine }) {
  const ids = (label: string, list: string[]) =>
    list.length > 0 && (
      <div>
        {label}:{" "}
        {list.map((id, i) => (
          <span key={id}>
            {i > 0 && ", "}
            <Link href={`/jobs/${id}`}>{id}</Link>
          </span>
        ))}
      </div>
    );
  return (
    <>
      <div>
        limit {line.limit} · {line.running.length} running · {line.waiting.length} waiting
      </div>
      {ids("Running", line.running)}
      {ids("Waiting", line.waiting)}
    </>
  );
}

function DeleteFunction({ name }: { name: string }) {
  const remove = async () => {
    await api.deleteFunction(name);
    navigate("/functions");
  };
  return (
    <div>
      <p class="muted">
        Deleting removes the function and all its versions; agents can no longer call it, and its queued or running jobs are cancelled.
      </p>
      <ConfirmButton danger question={`Delete ${name}?`} confirm="Confirm delete" action={remove}>
        Delete function
      </ConfirmButton>
    </div>
  );
}
