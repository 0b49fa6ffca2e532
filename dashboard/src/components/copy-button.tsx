/** Copies a value to the clipboard and says so for a moment. */
import { useState } from "preact/hooks";

export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
    setTimeout(() => setCopied(null), 1500);
  };
  return (
    <button type="button" class="copy" onClick={copy} aria-label={`${label}: ${value}`}>
      {copied === "yes" ? "Copied" : copied === "no" ? "Copy failed" : label}
    </button>
  );
}

/** An id in monospace with its copy button. */
export function CopyableId({ value }: { value: string }) {
  return (
    <span class="copyable">
      <code>{value}</code>
      <CopyButton value={value} />
    </span>
  );
}
