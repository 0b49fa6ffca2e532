/** Connected apps: the hosted MCP clients the signed-in user granted access to, each revocable. */
import { useState } from "preact/hooks";
import { api, type OAuthGrantView } from "../api";
import { ConfirmButton } from "../components/confirm-button";
import { Empty, ErrorBox, Loading } from "../components/states";
import { dateTime, timeAgo } from "../lib/format";
import { useAsync } from "../lib/use-async";

export function ConnectionsPage() {
  const { data, error, loading, reload } = useAsync(api.oauthGrants, []);
  return (
    <section>
      <h1>Connected apps</h1>
      <p class="muted">
        Apps such as Claude.ai or ChatGPT connectors that you allowed to call Kiln for you (through <code>/mcp</code>). Revoking one stops
        its tokens at once; it must ask you again to reconnect.
      </p>
      <section class="panel" aria-labelledby="grants-heading">
        <h2 id="grants-heading">Apps</h2>
        {error && <ErrorBox error={error} onRetry={reload} />}
        {loading && !data && <Loading />}
        {data?.length === 0 && <Empty>No app has been connected with your key.</Empty>}
        {data && data.length > 0 && <GrantsTable grants={data} onRevoked={reload} />}
      </section>
    </section>
  );
}

function GrantsTable({ grants, onRevoked }: { grants: OAuthGrantView[]; onRevoked: () => void }) {
  const [error, setError] = useState<Error | null>(null);
  const revoke = async (id: string) => {
    await api.revokeOAuthGrant(id);
    onRevoked();
  };
  return (
    <>
      {error && <ErrorBox error={error} />}
      <div class="table-wrap">
        <table aria-label="Connected apps">
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Scopes</th>
              <th scope="col">Functions</th>
              <th scope="col">Connected</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => (
              <tr key={g.id}>
                <td>
                  {g.clientName} <span class="muted">({g.clientId})</span>
                </td>
                <td>
                  <span class="tags">
                    {g.scopes.map((s) => (
                      <span key={s} class="tag">
                        {s}
                      </span>
                    ))}
                  </span>
                </td>
                <td>{g.functions ? g.functions.join(", ") : <span class="muted">all</span>}</td>
                <td title={dateTime(g.createdAt)}>{timeAgo(g.createdAt)}</td>
                <td class="row-actions">
                  <ConfirmButton
                    label={`Revoke ${g.clientName}`}
                    question={`Revoke “${g.clientName}”?`}
                    confirm="Confirm revoke"
                    action={() => revoke(g.id)}
                    onError={setError}
                  >
                    Revoke
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
