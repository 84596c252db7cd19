/** What the admin endpoints answer, as far as the console reads it. */

export interface Subscriber {
  id: string;
  name: string;
  addresses: string[];
  status: 'active' | 'inactive';
  role: 'subscriber' | 'admin';
  messageCount: number;
  createdAt: string;
}

export interface Resource {
  id: string;
  name: string;
  type: string;
  status: 'A' | 'I';
  statusReason: string | null;
  channels: number;
  /** One character per channel of the answering node: '1' busy, '0' free. */
  busyChannels: string;
  inFlight: number;
  rates: Array<{ prefix: string; price: number }>;
  currency: string;
  consecutiveFailures: number;
}

export interface Delivery {
  id: string;
  messageId: string;
  kind: string;
  recipient: string;
  status: DeliveryStatus;
  messageType: string | null;
  attempts: number;
  maxAttempts: number;
  resourceId: string | null;
  holdReason: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

export const DELIVERY_STATUSES = ['P', 'H', 'D', 'R', 'X', 'A', 'S', 'F', 'E'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** Where the operator's buttons apply (the server checks again and answers 409 otherwise). */
export const RETRYABLE: readonly string[] = ['P', 'H', 'D', 'R', 'F', 'E'];
export const HOLDABLE: readonly string[] = ['P', 'D', 'R'];

export interface QueueDepths {
  statuses: Array<{ status: string; count: number }>;
  resources: Array<{ resourceId: string | null; status: string; count: number }>;
}

export interface Cdr {
  id: string;
  deliveryId: string;
  resourceId: string;
  destination: string;
  result: string;
  units: number;
  cost: number;
  currency: string;
  startedAt: string;
}
