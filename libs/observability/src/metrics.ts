import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A Prometheus registry of the service's own (no global default registry: two components in one process, or
 * two tests, never share counters), with Node's process metrics (CPU, RSS, event-loop lag, GC).
 */
export function createMetricsRegistry(labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  return registry;
}

export type { Registry };
