/**
 * uPlot, loaded lazily with its stylesheet (only pages with charts pay for it): builds a time
 * chart whose axis, grid and series colours come from the theme's CSS variables, so the same
 * chart reads right in light and dark mode. Imports uplot only.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartSeries {
  label: string;
  /** A CSS variable holding the colour, e.g. "--good". */
  colorVar: string;
  values: (number | null)[];
}

export interface ChartSpec {
  /** Unix seconds, one per point. */
  times: number[];
  series: ChartSeries[];
  /** Formats a value on the y axis. */
  format: (v: number) => string;
  bars?: boolean;
  /** Dots on the points: a series with gaps (no runs, no rate) would otherwise show lone points as nothing. */
  points?: boolean;
}

const Y_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1_000_000];

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";

function options(spec: ChartSpec, width: number): uPlot.Options {
  const text = cssVar("--muted");
  const grid = cssVar("--border");
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const bars = spec.bars ? uPlot.paths.bars?.({ size: [0.8, 24] }) : undefined;
  const pad = ((spec.times[1] ?? 60) - (spec.times[0] ?? 0)) / 2;
  return {
    width,
    height: 180,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    // Headroom above the highest point, so a point at the top is not cut in half by the edge.
    // Half a bucket of room on each side: the current bucket is the last, and must not sit on the edge.
    scales: {
      x: { time: true, range: (_u, min, max) => [min - pad, max + pad] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
    },
    // Whole steps only: counts and percentages never need a tick at 0.5.
    axes: [axis, { ...axis, size: 56, incrs: Y_STEPS, values: (_u, ticks) => ticks.map(spec.format) }],
    series: [
      {},
      ...spec.series.map((s) => {
        const color = cssVar(s.colorVar);
        return {
          label: s.label,
          stroke: color,
          fill: spec.bars ? color : undefined,
          width: spec.bars ? 0 : 2,
          paths: bars,
          points: { show: false },
        };
      }),
    ],
  };
}

/** Draws the chart into `host`; returns it (to resize or destroy). */
export function createChart(host: HTMLElement, spec: ChartSpec, width: number): uPlot {
  return new uPlot(options(spec, width), [spec.times, ...spec.series.map((s) => s.values)], host);
}
