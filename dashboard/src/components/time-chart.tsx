/**
 * A time chart drawn by uPlot (loaded lazily): follows its container's width and the colour
 * theme (redrawn on a theme change). The canvas is decorative for screen readers: `summary`
 * says in words what it shows, and the numbers are in tables next to it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { THEME_EVENT } from "../lib/theme";
import type { ChartSpec } from "./chart-setup";

export function TimeChart({ spec, summary, testId }: { spec: ChartSpec; summary: string; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let chart: { destroy(): void; setSize(s: { width: number; height: number }): void } | null = null;
    let cancelled = false;
    const draw = async () => {
      try {
        const { createChart } = await import("./chart-setup");
        if (cancelled || !host.current) return;
        chart?.destroy();
        chart = createChart(host.current, spec, Math.max(240, host.current.clientWidth));
      } catch {
        setFailed(true);
      }
    };
    void draw();
    const resize = new ResizeObserver(() => {
      if (host.current) chart?.setSize({ width: Math.max(240, host.current.clientWidth), height: 180 });
    });
    if (host.current) resize.observe(host.current);
    const redraw = () => void draw();
    window.addEventListener(THEME_EVENT, redraw);
    return () => {
      cancelled = true;
      resize.disconnect();
      window.removeEventListener(THEME_EVENT, redraw);
      chart?.destroy();
    };
  }, [spec]);

  return (
    <figure class="chart" data-testid={testId}>
      <figcaption class="sr-only">{summary}</figcaption>
      {failed ? <p class="muted">The chart could not be drawn.</p> : <div ref={host} aria-hidden="true" />}
    </figure>
  );
}
