/** Version history: number, author, date; rollback to any inactive version (after a confirm). */
import { useState } from "preact/hooks";
import { api, type VersionView } from "../api";
import { dateTime, timeAgo } from "../lib/format";
import { ErrorBox } from "./states";

interface Props {
  name: string;
  versions: VersionView[];
  onChanged: () => void;
}

export function VersionsPanel({ name, versions, onChanged }: Props) {
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  const rollback = async (n: number) => {
    setBusy(true);
    setError(null);
    try {
      await api.rollback(name, n);
      setConfirming(null);
      onChanged();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      {error && <ErrorBox error={error} />}
      <div class="table-wrap">
        <table aria-label="Versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Deployed by</th>
              <th scope="col">When</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id} class={v.active ? "active-row" : ""}>
                <td>
                  <strong>v{v.number}</strong> {v.active && <span class="tag good">active</span>}
                </td>
                <td>
                  <code>{v.createdBy}</code>
                </td>
                <td title={dateTime(v.createdAt)}>{timeAgo(v.createdAt)}</td>
                <td class="row-actions">
                  {!v.active && confirming !== v.number && (
                    <button type="button" onClick={() => setConfirming(v.number)}>
                      Roll back to v{v.number}
                    </button>
                  )}
                  {confirming === v.number && (
                    <span class="confirm">
                      <span>Make v{v.number} active?</span>
                      <button type="button" class="danger" disabled={busy} onClick={() => rollback(v.number)}>
                        Confirm rollback
                      </button>
                      <button type="button" onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
