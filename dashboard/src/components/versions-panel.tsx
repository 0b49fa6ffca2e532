/**
 * Version history: number, author, date; make any inactive version active (after a confirm):
 * an older one is a rollback, a newer one (after an earlier rollback) a roll-forward.
 */
import { useState } from "preact/hooks";
import { api, type VersionView } from "../api";
import { dateTime, timeAgo } from "../lib/format";
import { ConfirmButton } from "./confirm-button";
import { ErrorBox } from "./states";

interface Props {
  name: string;
  versions: VersionView[];
  /** Called after a version was made active, saying which. */
  onChanged: (message: string) => void;
}

export function VersionsPanel({ name, versions, onChanged }: Props) {
  const [error, setError] = useState<Error | null>(null);

  const activeNumber = versions.find((v) => v.active)?.number ?? 0;
  const rollback = async (n: number) => {
    await api.rollback(name, n);
    onChanged(`v${n} is now active.`);
  };
  const verb = (n: number) => (n < activeNumber ? "Roll back to" : "Activate");

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
                  {!v.active && (
                    <ConfirmButton
                      question={`Make v${v.number} active instead of v${activeNumber}? New calls and jobs will run v${v.number}.`}
                      confirm={v.number < activeNumber ? "Confirm rollback" : "Confirm activate"}
                      action={() => rollback(v.number)}
                      onError={setError}
                    >
                      {verb(v.number)} v{v.number}
                    </ConfirmButton>
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
