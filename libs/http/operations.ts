/** What operators read off a process besides the API: metrics and health, wired to one runtime. */
import type { LinkageRuntime } from '#linkage';
import type { LinkageMetrics } from '#observability';
import type { LiveViews } from './live-views.js';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsController, registerRequestMetrics } from './metrics.js';
import { ProbesController } from './health.js';

export { registerRequestMetrics };

export const OPERATIONS_CONTROLLERS = [MetricsController, ProbesController];
/** Terminus runs the readiness checks; its own logging of failed checks is off (the 503 says it). */
export const OPERATIONS_IMPORTS = [TerminusModule.forRoot({ logger: false })];

/** Feeds `metrics` from the runtime: append latencies as they happen, lags and inbox counts at scrape time. */
export const observeRuntime = (metrics: LinkageMetrics, runtime: LinkageRuntime, liveViews: LiveViews): LinkageMetrics => {
  for (const level of runtime.levels) runtime.node(level)!.service.onAppendTimed((seconds) => metrics.appendDuration.observe({ level }, seconds));
  metrics.observe({ levels: () => runtime.status(), liveViewsOpen: () => liveViews.open });
  return metrics;
};
