/**
 * The active version's source, read-only (CodeMirror, loaded lazily), behind a disclosure: the
 * editor is only created once it is opened, so the page stays light and holds one editor at a time.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { useAsync } from "../lib/use-async";
import { ErrorBox, Loading } from "./states";
import { joinFiles } from "./version-diff";

export function SourceDisclosure({ name, version }: { name: string; version: number }) {
  const [open, setOpen] = useState(false);
  return (
    <details class="source" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>Source of v{version}</summary>
      {open && <SourceView name={name} version={version} />}
    </details>
  );
}

function SourceView({ name, version }: { name: string; version: number }) {
  const { data, error } = useAsync(() => api.source(name, version).then(joinFiles), [name, version]);
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (data === undefined) return;
    let view: { destroy(): void } | null = null;
    let cancelled = false;
    void import("./cm-setup").then((mod) => {
      if (!cancelled && host.current) view = mod.createReader(host.current, data, `Source of ${name} v${version} (read-only)`);
    });
    return () => {
      cancelled = true;
      view?.destroy();
    };
  }, [data]);
  if (error) return <ErrorBox error={error} />;
  if (data === undefined) return <Loading />;
  return <div class="editor" ref={host} data-testid="source-view" />;
}
