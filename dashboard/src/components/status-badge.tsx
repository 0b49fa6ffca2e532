/** A run or step status as a coloured badge (the colour is never the only signal: the word is shown). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status.replace("_", " ")}</span>;
}
