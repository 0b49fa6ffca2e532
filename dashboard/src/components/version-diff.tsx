/** Compare two versions' sources as a unified diff. */
import { useEffect, useState } from "preact/hooks";
import { api, type VersionView } from "../api";
import { DiffView } from "./diff-view";
import { ErrorBox, Loading } from "./states";

/** One text for a version: its single file, or every file under a header. */
export function joinFiles(files: Record<string, string>): string {
  const entries = Object.entries(files).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 1) return entries[0]![1];
  return entries.map(([path, src]) => `// ── ${path} ──\n${src}`).join("\n");
}

export function VersionDiff({ name, versions }: { name: string; versions: VersionView[] }) {
  const numbers = versions.map((v) => v.number);
  const [to, setTo] = useState(numbers[0] ?? 1);
  const [from, setFrom] = useState(numbers[1] ?? numbers[0] ?? 1);
  const [texts, setTexts] = useState<{ from: string; to: string } | null>(null);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    let live = true;
    setTexts(null);
    setError(null);
    Promise.all([api.source(name, from), api.source(name, to)]).then(
      ([a, b]) => live && setTexts({ from: joinFiles(a), to: joinFiles(b) }),
      (e: Error) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [name, from, to]);

  const picker = (id: string, label: string, value: number, set: (n: number) => void) => (
    <div class="field inline">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {numbers.map((n) => (
          <option key={n} value={n}>
            v{n}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <div>
      <div class="row">
        {picker("diff-from", "From", from, setFrom)}
        {picker("diff-to", "To", to, setTo)}
      </div>
      {error && <ErrorBox error={error} />}
      {!texts && !error && <Loading label="Loading sources…" />}
      {texts && texts.from === texts.to && (
        <p class="muted">
          v{from} and v{to} have the same source.
        </p>
      )}
      {texts && texts.from !== texts.to && <DiffView original={texts.from} changed={texts.to} />}
    </div>
  );
}
