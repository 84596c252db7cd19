import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one server, in their own registry (tests start many servers). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'switchboard_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    messagesIngested: new Counter({
      name: 'switchboard_intake_messages_total',
      help: 'Messages committed by intake (each recipient copy counts once per message)',
      registers: [registry],
    }),
    commitBatch: new Histogram({
      name: 'switchboard_intake_commit_batch_size',
      help: 'Messages per group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    commitSeconds: new Histogram({
      name: 'switchboard_intake_commit_seconds',
      help: 'Duration of one group commit, sync included',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    refused: new Counter({
      name: 'switchboard_intake_refused_total',
      help: 'Messages refused by intake, by reason',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    eventClients: new Gauge({
      name: 'switchboard_event_stream_clients',
      help: 'Open /api/v1/events streams',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
