import type { DeliveryStore } from '../core/delivery-ports.js';
import type { Delivery } from '../core/delivery.js';
import { wantsReceipt } from './receipt-policy.js';

export interface LateReportDeps {
  deliveries: DeliveryStore;
  receipt(delivery: Delivery, status: 'S' | 'F'): Promise<void>;
  /** A delivery that a late report ended (logs, metrics). */
  failed?(delivery: Delivery): void;
  error?(err: unknown, context: string): void;
}

/**
 * What is learnt about a delivery after its attempt, from a DSN: a failure ends it as F even
 * when the next hop had accepted it (S), and the sender gets a failure receipt as for any other
 * failure; a delay is only noted in its error log.
 */
export class LateReports {
  constructor(private readonly deps: LateReportDeps) {}

  /** True when the delivery exists (whether or not this report changed its status). */
  async failed(deliveryId: string, source: string, error: string): Promise<boolean> {
    const result = await this.deps.deliveries.recordLateReport(
      deliveryId,
      { at: new Date().toISOString(), resource: source, error },
      true,
    );
    if (!result) return false;
    if (result.failed) {
      this.deps.failed?.(result.delivery);
      // The failure is committed; a receipt that cannot be written now is logged, not a reason
      // to have the DSN sent again (a second one would find the delivery failed already).
      if (wantsReceipt(result.delivery))
        await this.deps
          .receipt(result.delivery, 'F')
          .catch((err: unknown) => this.deps.error?.(err, `receipt for delivery ${deliveryId}`));
    }
    return true;
  }

  /** A delivery receipt says delivered: a delivery waiting for it (A) is sent (S). */
  async delivered(deliveryId: string): Promise<boolean> {
    const delivery = await this.deps.deliveries.confirmDelivered(
      deliveryId,
      new Date().toISOString(),
    );
    if (!delivery) return false;
    if (wantsReceipt(delivery))
      await this.deps
        .receipt(delivery, 'S')
        .catch((err: unknown) => this.deps.error?.(err, `receipt for delivery ${deliveryId}`));
    return true;
  }

  async delayed(deliveryId: string, source: string, note: string): Promise<boolean> {
    const result = await this.deps.deliveries.recordLateReport(
      deliveryId,
      { at: new Date().toISOString(), resource: source, error: note },
      false,
    );
    return result !== null;
  }
}
