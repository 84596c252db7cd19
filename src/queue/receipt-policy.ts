import type { Delivery } from '../core/delivery.js';

/** Whether the sender hears how a delivery ended: messages that asked for it, never notifications. */
export function wantsReceipt(delivery: Delivery): boolean {
  return delivery.kind === 'message' && delivery.receipt && delivery.subscriberId !== null;
}
