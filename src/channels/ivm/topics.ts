/**
 * Bus topics of the messenger: one per subscriber, which every device of theirs (on any node,
 * once the bus is NATS) listens to: presence of contacts, requests, live streams, stored posts,
 * played marks and receipts.
 */
export const topicOf = (subscriberId: string): string => `ivm.to.${subscriberId}`;
