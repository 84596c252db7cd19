import type { Subscriber } from '../../core/subscriber.js';
import { isoNow } from '../../lib/time.js';
import { messengerAddress, subscriberAt } from './addresses.js';
import type { IvmDeps } from './ivm-deps.js';
import type { Presence } from './presence.js';
import { Refusal } from './refusal.js';
import { topicOf } from './topics.js';

export interface ContactView {
  address: string;
  name: string;
  state: string;
  status: string;
}

/** Contact lists, requests, groups and the "anyone may send me" setting. */
export class Contacts {
  constructor(
    private readonly deps: IvmDeps,
    private readonly presence: Presence,
  ) {}

  address(s: Subscriber): string {
    return messengerAddress(s, this.deps.domain);
  }

  async list(me: Subscriber): Promise<ContactView[]> {
    const rows = await this.deps.store.contacts(me.id);
    const out: ContactView[] = [];
    for (const row of rows) {
      const other = await this.deps.directory.lookup(row.contactId);
      if (!other) continue;
      out.push({
        address: this.address(other),
        name: other.name,
        state: row.state,
        // Presence is shown only between accepted contacts.
        status: row.state === 'accepted' ? this.presence.status(other.id).status : 'offline',
      });
    }
    return out;
  }

  async groups(me: Subscriber): Promise<Array<{ name: string; members: string[] }>> {
    const out = [];
    for (const g of await this.deps.store.groups(me.id)) {
      const members: string[] = [];
      for (const id of g.members) {
        const s = await this.deps.directory.lookup(id);
        if (s) members.push(this.address(s));
      }
      out.push({ name: g.name, members });
    }
    return out;
  }

  async setGroup(me: Subscriber, name: string, members: string[]): Promise<void> {
    const ids: string[] = [];
    for (const m of members) {
      const s = await subscriberAt(this.deps.directory, m);
      if (!s) throw new Refusal('unknown', `${m.slice(0, 80)} names nobody here`);
      if ((await this.deps.store.contactState(me.id, s.id)) !== 'accepted')
        throw new Refusal('not-a-contact', `${this.address(s)} is not an accepted contact`);
      ids.push(s.id);
    }
    await this.deps.store.setGroup(me.id, name, ids, isoNow());
  }

  /** Ids of the subscribers who accepted `me` (they see its presence). */
  async accepted(subscriberId: string): Promise<string[]> {
    return (await this.deps.store.contacts(subscriberId))
      .filter((c) => c.state === 'accepted')
      .map((c) => c.contactId);
  }

  /** Asks for (or accepts) a contact; tells the other side over the bus. */
  async subscribe(me: Subscriber, destination: string): Promise<ContactView> {
    const other = await subscriberAt(this.deps.directory, destination);
    if (!other || other.status !== 'active')
      throw new Refusal('unknown', `${destination.slice(0, 80)} names nobody here`);
    if (other.id === me.id) throw new Refusal('invalid', 'you cannot add yourself');
    const before = await this.deps.store.contactState(me.id, other.id);
    const state = await this.deps.store.requestContact(me.id, other.id, isoNow());
    const mine = this.address(me);
    const theirs = this.address(other);
    if (state === 'accepted' && before !== 'accepted') {
      const myStatus = this.presence.status(me.id);
      const theirStatus = this.presence.status(other.id);
      this.deps.bus.publish(topicOf(other.id), {
        type: 'subscribe',
        source: mine,
        name: me.name,
        state: 'accepted',
        status: myStatus.status,
      });
      this.deps.bus.publish(topicOf(me.id), {
        type: 'subscribe',
        source: theirs,
        name: other.name,
        state: 'accepted',
        status: theirStatus.status,
      });
    } else if (state === 'requested' && before === null)
      this.deps.bus.publish(topicOf(other.id), {
        type: 'subscribe',
        source: mine,
        name: me.name,
        state: 'incoming',
        status: 'offline',
      });
    return {
      address: theirs,
      name: other.name,
      state,
      status: state === 'accepted' ? this.presence.status(other.id).status : 'offline',
    };
  }

  async unsubscribe(me: Subscriber, destination: string): Promise<{ address: string }> {
    const other = await subscriberAt(this.deps.directory, destination);
    if (!other) throw new Refusal('unknown', `${destination.slice(0, 80)} names nobody here`);
    const removed = await this.deps.store.removeContact(me.id, other.id);
    if (!removed) throw new Refusal('not-a-contact', `${this.address(other)} is not a contact`);
    const mine = this.address(me);
    const theirs = this.address(other);
    this.deps.bus.publish(topicOf(other.id), { type: 'unsubscribe', source: mine });
    // The subscriber's other devices learn it too.
    this.deps.bus.publish(topicOf(me.id), { type: 'unsubscribe', source: theirs });
    return { address: theirs };
  }

  /** May `sender` reach `recipient`: accepted contacts, or anyone the recipient allows. */
  async mayReach(senderId: string, recipientId: string): Promise<boolean> {
    return (
      (await this.deps.store.contactState(senderId, recipientId)) === 'accepted' ||
      (await this.deps.store.allowAnyone(recipientId))
    );
  }
}
