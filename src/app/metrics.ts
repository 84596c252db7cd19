import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one server, in their own registry (tests start many servers). */
export function createMetrics() {
  const registry = new Registry();
  /** Read at scrape time; the server fills them in once the store is open. */
  const sources: {
    queueDepth?: () => Promise<Array<{ status: string; count: number }>>;
    activeCalls?: () => number;
  } = {};
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  return {
    registry,
    sources,
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
    deliveriesFinished: new Counter({
      name: 'switchboard_deliveries_finished_total',
      help: 'Deliveries that ended, by final status (S sent, F failed, E expired) and kind',
      labelNames: ['status', 'kind'] as const,
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: 'switchboard_delivery_attempts_total',
      help: 'Attempts handed to resources, by resource and result (sent, retry, failed)',
      labelNames: ['resource', 'result'] as const,
      registers: [registry],
    }),
    deliverySeconds: new Histogram({
      name: 'switchboard_delivery_latency_seconds',
      help: 'From the message being stored to its delivery ending',
      labelNames: ['status'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers: [registry],
    }),
    deliveriesHeld: new Counter({
      name: 'switchboard_deliveries_held_total',
      help: 'Deliveries put on hold because no active resource can carry them (an operator alert)',
      registers: [registry],
    }),
    resourcesDisabled: new Counter({
      name: 'switchboard_resources_disabled_total',
      help: 'Resources taken out of service after failing repeatedly',
      labelNames: ['resource'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'switchboard_queue_depth',
      help: 'Deliveries by status (P, H, D, R, X, A, S, F, E), from the database at scrape time',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        if (!sources.queueDepth) return;
        this.reset();
        for (const { status, count } of await sources.queueDepth()) this.set({ status }, count);
      },
    }),
    activeCalls: new Gauge({
      name: 'switchboard_sip_calls_active',
      help: 'Voicemail calls up now',
      registers: [registry],
      collect() {
        this.set(sources.activeCalls?.() ?? 0);
      },
    }),
    voicemailCalls: new Counter({
      name: 'switchboard_voicemail_calls_total',
      help: 'Voicemail calls ended, by outcome (stored, discarded, too-short, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    rtpPackets: new Counter({
      name: 'switchboard_rtp_packets_total',
      help: 'RTP packets of ended calls: received, lost (sequence gaps) and late (behind the playout deadline)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    ivmConnections: new Gauge({
      name: 'switchboard_ivm_connections',
      help: 'Open voice messenger WebSockets',
      registers: [registry],
    }),
    ivmFrames: new Counter({
      name: 'switchboard_ivm_live_frames_total',
      help: 'Live audio frames: relayed to a listener, or dropped (slow-listener, rate-limited, out-of-order)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    ivmMessagesStored: new Counter({
      name: 'switchboard_ivm_messages_stored_total',
      help: 'Voice messages stored by the messenger, one per recipient mailbox',
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
