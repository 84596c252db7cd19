import type { PresenceStatus, SettableStatus } from './protocol/message-object.js';

interface Present {
  /** Connection id → the status that device set. */
  devices: Map<string, SettableStatus>;
  status: SettableStatus;
  since: string;
}

/**
 * Who is connected on this node, per subscriber: available, busy or away while at least one
 * device is connected (the status set last wins), offline when none is. Changes are reported
 * to `changed`, which fans them out to contacts over the bus.
 */
export class Presence {
  private readonly present = new Map<string, Present>();
  private readonly offlineSince = new Map<string, string>();

  constructor(
    private readonly changed: (subscriberId: string, status: PresenceStatus, since: string) => void,
  ) {}

  status(subscriberId: string): { status: PresenceStatus; since: string | null } {
    const p = this.present.get(subscriberId);
    return p
      ? { status: p.status, since: p.since }
      : { status: 'offline', since: this.offlineSince.get(subscriberId) ?? null };
  }

  isOnline(subscriberId: string): boolean {
    return this.present.has(subscriberId);
  }

  /** Online subscribers, for metrics. */
  get online(): number {
    return this.present.size;
  }

  join(subscriberId: string, connection: string, status: SettableStatus): void {
    const p = this.present.get(subscriberId);
    if (!p) {
      this.present.set(subscriberId, {
        devices: new Map([[connection, status]]),
        status,
        since: new Date().toISOString(),
      });
      this.offlineSince.delete(subscriberId);
      this.changed(subscriberId, status, this.present.get(subscriberId)!.since);
      return;
    }
    p.devices.set(connection, status);
    this.set(subscriberId, connection, status);
  }

  set(subscriberId: string, connection: string, status: SettableStatus): void {
    const p = this.present.get(subscriberId);
    if (!p || !p.devices.has(connection)) return;
    p.devices.set(connection, status);
    if (p.status === status) return;
    p.status = status;
    p.since = new Date().toISOString();
    this.changed(subscriberId, status, p.since);
  }

  leave(subscriberId: string, connection: string): void {
    const p = this.present.get(subscriberId);
    if (!p || !p.devices.delete(connection)) return;
    if (p.devices.size > 0) return;
    this.present.delete(subscriberId);
    const since = new Date().toISOString();
    this.offlineSince.set(subscriberId, since);
    this.changed(subscriberId, 'offline', since);
  }
}
