import type { Delivery, Rate, Resource } from '../core/delivery.js';
import { rateFor } from './rates.js';

export type RouteDecision =
  | { kind: 'route'; resource: Resource; rate: Rate }
  /** Capable resources exist, but every channel is busy: try again shortly. */
  | { kind: 'busy' }
  /** Nothing active can carry it: hold it and tell the operator. */
  | { kind: 'none'; reason: string };

/**
 * Picks the resource for a delivery (seed 001's router): active, of the required type, carrying
 * the message type, serving the destination, with a free channel; the least cost wins, ties go
 * to the least loaded.
 */
export function route(
  delivery: Pick<Delivery, 'recipient' | 'messageType' | 'channel'>,
  resources: readonly Resource[],
  busy: (resource: Resource) => number,
  implemented: (type: string) => boolean,
): RouteDecision {
  const capable: Array<{ resource: Resource; rate: Rate; load: number }> = [];
  for (const resource of resources) {
    if (resource.status !== 'A' || !implemented(resource.type)) continue;
    if (delivery.channel && resource.type !== delivery.channel) continue;
    const type = delivery.messageType ?? '*';
    if (!resource.messageTypes.includes('*') && !resource.messageTypes.includes(type)) continue;
    const rate = rateFor(resource.rates, delivery.recipient);
    if (!rate) continue;
    capable.push({ resource, rate, load: busy(resource) / Math.max(1, resource.channels) });
  }
  if (capable.length === 0)
    return {
      kind: 'none',
      reason:
        `no active ${delivery.channel ?? ''} resource carries ${delivery.messageType ?? 'this message'} to ${delivery.recipient}`.replace(
          /\s+/g,
          ' ',
        ),
    };
  const free = capable.filter((c) => busy(c.resource) < c.resource.channels);
  if (free.length === 0) return { kind: 'busy' };
  free.sort(
    (a, b) =>
      a.rate.priceMicros - b.rate.priceMicros ||
      a.load - b.load ||
      a.resource.name.localeCompare(b.resource.name),
  );
  return { kind: 'route', resource: free[0]!.resource, rate: free[0]!.rate };
}
