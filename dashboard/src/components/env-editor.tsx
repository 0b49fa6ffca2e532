/**
 * A function's environment variables as an editable list of name/value rows (add, remove, save
 * the whole set), or a read-only table without functions:write. Values are not secret: they are
 * shown as they are.
 */
import { useState } from "preact/hooks";
import { ApiError, api, type FunctionConfigView } from "../api";
import { FieldError, invalidIf, issueAt, otherIssues } from "./form-error";
import { ErrorBox, Issues } from "./states";

interface Row {
  id: number;
  key: string;
  value: string;
}

let nextId = 0;
const row = (key = "", value = ""): Row => ({ id: nextId++, key, value });

/** The rows as the record the API takes, or the problems that keep it from being one. */
function toEnv(rows: Row[]): { env: Record<string, string>; problems: Map<number, string> } {
  const env: Record<string, string> = {};
  const problems = new Map<number, string>();
  for (const r of rows) {
    const key = r.key.trim();
    if (key === "" && r.value === "") continue;
    // A record keeps only the last of two equal names: say so rather than drop one silently.
    if (key === "") problems.set(r.id, "give this value a name");
    else if (key in env) problems.set(r.id, `${key} is listed twice`);
    else env[key] = r.value;
  }
  return { env, problems };
}

interface Props {
  name: string;
  env: Record<string, string>;
  canWrite: boolean;
  onSaved: (config: FunctionConfigView) => void;
}

export function EnvEditor({ name, env, canWrite, onSaved }: Props) {
  const [rows, setRows] = useState<Row[]>(() => Object.keys(env).map((k) => row(k, env[k])));
  const [problems, setProblems] = useState<Map<number, string>>(new Map());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  if (!canWrite) return <EnvTable env={env} />;

  const edit = (id: number, change: Partial<Row>) => setRows(rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  const save = async (e: Event) => {
    e.preventDefault();
    const parsed = toEnv(rows);
    setProblems(parsed.problems);
    setError(null);
    if (parsed.problems.size > 0) return;
    setBusy(true);
    try {
      onSaved(await api.putEnv(name, parsed.env));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const issueFor = (r: Row) => problems.get(r.id) ?? issueAt(error, `/env/${r.key.trim()}`);
  const keys = new Set(rows.map((r) => `/env/${r.key.trim()}`));
  return (
    <form onSubmit={save} class="env-form">
      {rows.length === 0 ? (
        <p class="muted">No environment variables.</p>
      ) : (
        <div class="env-row env-head" aria-hidden="true">
          <span class="label">Name</span>
          <span class="label">Value</span>
        </div>
      )}
      {rows.map((r, i) => {
        const problem = issueFor(r);
        return (
          <div key={r.id} class="env-row">
            <input
              aria-label={`Name of variable ${i + 1}`}
              value={r.key}
              placeholder="CRM_BASE_URL"
              spellcheck={false}
              autocapitalize="characters"
              onInput={(e) => edit(r.id, { key: e.currentTarget.value })}
              {...invalidIf(problem, `env-error-${r.id}`)}
            />
            <input
              aria-label={`Value of variable ${i + 1}`}
              value={r.value}
              spellcheck={false}
              onInput={(e) => edit(r.id, { value: e.currentTarget.value })}
            />
            <button type="button" aria-label={`Remove variable ${i + 1}`} onClick={() => setRows(rows.filter((x) => x.id !== r.id))}>
              Remove
            </button>
            <FieldError id={`env-error-${r.id}`} error={problem} />
          </div>
        );
      })}
      <p class="muted small">Names: upper-case letters, digits and “_”, starting with a letter; KILN_… is reserved.</p>
      {error && !(error instanceof ApiError && error.issues.length > 0) && <ErrorBox error={error} />}
      <Issues issues={otherIssues(error, (p) => keys.has(p))} class="issues" />
      <div class="actions">
        <button type="button" onClick={() => setRows([...rows, row()])}>
          Add variable
        </button>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : "Save variables"}
        </button>
      </div>
    </form>
  );
}

function EnvTable({ env }: { env: Record<string, string> }) {
  const keys = Object.keys(env);
  if (keys.length === 0) return <p class="muted">No environment variables.</p>;
  return (
    <>
      <div class="table-wrap">
        <table aria-labelledby="env-heading">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k}>
                <td>
                  <code>{k}</code>
                </td>
                <td>
                  <code>{env[k]}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted small">Changing them needs the functions:write scope.</p>
    </>
  );
}
