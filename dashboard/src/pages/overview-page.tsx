/** The landing page after sign-in: how runs went over a window, from the run rollups. */
import { MetricsPanel } from "../components/metrics-panel";

export function OverviewPage() {
  return (
    <section>
      <div class="page-head">
        <h1>Overview</h1>
      </div>
      <MetricsPanel />
    </section>
  );
}
