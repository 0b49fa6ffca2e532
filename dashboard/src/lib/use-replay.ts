/** Replays a run (a new job with the same input) and opens the new job's page. */
import { useState } from "preact/hooks";
import { api } from "../api";
import { navigate } from "../router";

export function useReplay(onFailed?: () => void) {
  /** The id being replayed, until the new job's page opens or the replay fails. */
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const replay = async (id: string, fromFailedStep = false) => {
    setBusy(id);
    setError(null);
    try {
      const started = await api.replay(id, fromFailedStep);
      navigate(`/jobs/${started.id}`);
    } catch (e) {
      setError(e as Error);
      setBusy(null);
      onFailed?.();
    }
  };
  return { busy, error, replay };
}
