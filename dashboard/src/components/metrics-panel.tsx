/**
 * The overview's numbers for a window (1 h, 24 h, 7 d), from GET /v1/metrics: headline figures,
 * runs by status and the error rate over time (uPlot charts), and, across functions, their
 * duration percentiles and the busiest and most-failing ones. With `fn`, the same for one function.
 */
import { useMemo, useState } from "preact/hooks";
import { api, type FunctionMetrics, type MetricsView, type MetricsWindow } from "../api";
import { duration } from "../lib/format";
import { useAsync } from "../lib/use-async";
import { Link } from "../router";
import type { ChartSpec } from "./chart-setup";
import { Empty, ErrorBox, Loading } from "./states";
import { TimeChart } from "./time-chart";

const WINDOWS: { value: MetricsWindow; label: string; phrase: string }[] = [
  { value: "1h", label: "1 h", phrase: "the last hour" },
  { value: "24h", label: "24 h", phrase: "the last 24 hours" },
  { value: "7d", label: "7 d", phrase: "the last 7 days" },
];

export const percent = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`);

export function MetricsPanel({ fn }: { fn?: string }) {
  const [window, setWindow] = useState<MetricsWindow>("24h");
  const { data, error, loading, reload } = useAsync(() => api.metrics(window, fn), [window, fn]);
  const phrase = WINDOWS.find((w) => w.value === window)?.phrase ?? "";
  return (
    <div class="metrics" data-testid="metrics" aria-busy={loading}>
      <fieldset class="segmented">
        <legend class="sr-only">Window</legend>
        {WINDOWS.map((w) => (
          <button key={w.value} type="button" class="seg" aria-pressed={w.value === window} onClick={() => setWindow(w.value)}>
            {w.label}
          </button>
        ))}
      </fieldset>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {!data && !error && <Loading />}
      {data && <MetricsBody m={data} phrase={phrase} overview={fn === undefined} />}
    </div>
  );
}

function MetricsBody({ m, phrase, overview }: { m: MetricsView; phrase: string; overview: boolean }) {
  const charts = useMemo(() => chartSpecs(m), [m]);
  const t = m.totals;
  return (
    <>
      <dl class="stat-tiles">
        <Stat term="Runs" id="runs" value={String(t.runs)} />
        <Stat term="Error rate" id="error-rate" value={percent(t.errorRate)} />
        <Stat term="p50" id="p50" value={duration(t.p50Ms)} />
        <Stat term="p95" id="p95" value={duration(t.p95Ms)} />
        <Stat term="p99" id="p99" value={duration(t.p99Ms)} />
        <Stat term="Jobs waiting" id="waiting" value={capped(m.waitingJobs, m.countCap)} href="/runs?status=waiting" />
        <Stat term="Dead letters" id="dead-letters" value={capped(m.deadLetters, m.countCap)} href="/jobs/dead-letters" />
      </dl>
      {t.runs === 0 ? (
        <Empty>
          <p data-testid="metrics-empty">No run ended in {phrase}. Call a tool or start a job and its run is counted here.</p>
        </Empty>
      ) : (
        <>
          <div class="two-col">
            <section class="panel" aria-labelledby="chart-runs">
              <h3 id="chart-runs">Runs by status</h3>
              <TimeChart
                spec={charts.runs}
                testId="chart-runs"
                summary={`${t.runs} runs in ${phrase}: ${t.succeeded} succeeded, ${t.failed} failed, ${t.timedOut} timed out, ${t.cancelled} cancelled.`}
              />
            </section>
            <section class="panel" aria-labelledby="chart-errors">
              <h3 id="chart-errors">Error rate</h3>
              <TimeChart
                spec={charts.errors}
                testId="chart-errors"
                summary={`Error rate over ${phrase}: ${percent(t.errorRate)} overall.`}
              />
            </section>
          </div>
          {overview && <FunctionTables m={m} />}
        </>
      )}
    </>
  );
}

const capped = (n: number, cap: number) => (n >= cap ? `${cap}+` : String(n));

function Stat({ term, id, value, href }: { term: string; id: string; value: string; href?: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd data-testid={`stat-${id}`}>{href ? <Link href={href}>{value}</Link> : value}</dd>
    </div>
  );
}

function chartSpecs(m: MetricsView): { runs: ChartSpec; errors: ChartSpec } {
  const times = m.series.map((p) => Date.parse(p.at) / 1000);
  const count = (v: number) => String(Math.round(v));
  const runs: ChartSpec = {
    times,
    format: count,
    series: [
      { label: "Succeeded", colorVar: "--good", values: m.series.map((p) => p.succeeded) },
      { label: "Failed", colorVar: "--bad", values: m.series.map((p) => p.failed) },
      { label: "Timed out", colorVar: "--warn", values: m.series.map((p) => p.timedOut) },
      { label: "Cancelled", colorVar: "--muted", values: m.series.map((p) => p.cancelled) },
    ],
  };
  const rate = m.series.map((p) => {
    const judged = p.succeeded + p.failed + p.timedOut;
    return judged === 0 ? 0 : ((p.failed + p.timedOut) / judged) * 100;
  });
  // A bucket where no run ended plots as 0%, not as a gap: uPlot drew nothing for a lone value
  // between gaps (the usual case: one busy minute in an idle hour).
  const errors: ChartSpec = {
    times,
    points: true,
    format: (v) => `${Math.round(v)}%`,
    series: [{ label: "Error rate", colorVar: "--bad", values: rate }],
  };
  return { runs, errors };
}

/** Per-function durations and error rates, then the busiest and most-failing functions. */
function FunctionTables({ m }: { m: MetricsView }) {
  const byName = new Map(m.functions.map((f) => [f.name, f]));
  const pick = (names: string[]) => names.map((n) => byName.get(n)).filter((f): f is FunctionMetrics => f !== undefined);
  return (
    <>
      <div class="two-col">
        <RankTable title="Busiest" id="busiest" items={pick(m.busiest)} value={(f) => `${f.runs} runs`} />
        <RankTable
          title="Most failing"
          id="most-failing"
          items={pick(m.mostFailing)}
          value={(f) => `${f.failed + f.timedOut} · ${percent(f.errorRate)}`}
        />
      </div>
      <section class="panel" aria-labelledby="durations-heading">
        <h3 id="durations-heading">Durations per function</h3>
        <p class="muted small">Estimated from log-scale buckets (within a factor of two).</p>
        <div class="table-wrap">
          <table class="stack" aria-labelledby="durations-heading" data-testid="durations-table">
            <thead>
              <tr>
                <th scope="col">Function</th>
                <th scope="col">Runs</th>
                <th scope="col">Error rate</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              {m.functions.map((f) => (
                <tr key={f.name}>
                  <td data-label="Function">
                    <Link href={`/functions/${encodeURIComponent(f.name)}`}>{f.name}</Link>
                  </td>
                  <td data-label="Runs">{f.runs}</td>
                  <td data-label="Error rate">{percent(f.errorRate)}</td>
                  <td data-label="p50">{duration(f.p50Ms)}</td>
                  <td data-label="p95">{duration(f.p95Ms)}</td>
                  <td data-label="p99">{duration(f.p99Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function RankTable({
  title,
  id,
  items,
  value,
}: {
  title: string;
  id: string;
  items: FunctionMetrics[];
  value: (f: FunctionMetrics) => string;
}) {
  return (
    <section class="panel" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>{title}</h3>
      {items.length === 0 ? (
        <p class="muted">None in this window.</p>
      ) : (
        <ol class="rank" data-testid={id}>
          {items.map((f) => (
            <li key={f.name}>
              <Link href={`/functions/${encodeURIComponent(f.name)}`}>{f.name}</Link> <span class="muted">{value(f)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
