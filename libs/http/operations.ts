/** What operators read off a process besides the API: metrics and health, wired to one runtime. */
import type { LinkageRuntime } from '#linkage';
import type { LinkageMetrics } from '#observability';
import type { LiveViews } from './live-views.js';
import { MetricsController, registerRequestMetrics } from './metrics.js';

export { registerRequestMetrics };

export const OPERATIONS_CONTROLLERS = [MetricsController];

/** Feeds `metrics` from the runtime: append latencies as they happen, lags and inbox counts at scrape time. */
export const observeRuntime = (metrics: LinkageMetrics, runtime: LinkageRuntime, liveViews: LiveViews): LinkageMetrics => {
  for (const level of runtime.levels) runtime.node(level)!.service.onAppendTimed((seconds) => metrics.appendDuration.observe({ level }, seconds));
  metrics.observe({ levels: () => runtime.status(), liveViewsOpen: () => liveViews.open });
  return metrics;
};
