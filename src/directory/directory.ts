import { normaliseAddress, parseAddress } from '../core/address.js';
import { invalid, notFound, SwitchboardError, unauthorized } from '../core/errors.js';
import type { MailboxTarget } from '../core/ingest.js';
import type { Session, SessionStore, SubscriberStore } from '../core/ports.js';
import type {
  NewSubscriber,
  Subscriber,
  SubscriberPatch,
  SubscriberProfile,
} from '../core/subscriber.js';
import { sha256Hex } from '../lib/hash.js';
import { newToken } from '../lib/ids.js';
import { TtlCache } from '../lib/ttl-cache.js';
import { isoAfter, isoNow } from '../lib/time.js';
import { isOwned, type Ownership } from './ownership.js';
import { hashSecret, verifySecret } from './passwords.js';
import { checkPassword, checkPin, checkSipSecret } from './secret-rules.js';
import { sipHa1 } from './sip-digest.js';

export interface DirectoryOptions {
  ownership: Ownership;
  dynamicMailboxes: boolean;
  defaultProfile: SubscriberProfile;
  sessionTtlHours: number;
  /**
   * How long sessions and subscriber lookups made on every request are remembered. Changes made
   * through this process take effect at once; on other nodes within this time.
   */
  cacheTtlMs?: number;
}

/** Where a recipient address leads: a local mailbox (existing or to create) or the outside world. */
export type Resolution =
  { kind: 'local'; target: MailboxTarget } | { kind: 'external'; address: string };

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const CURRENCY = /^[A-Z]{3}$/;

function checkProfile(input: Partial<SubscriberProfile>): void {
  if (input.language !== undefined && !LANGUAGE.test(input.language))
    throw invalid(`"${input.language}" is not a BCP 47 language tag`);
  if (input.currency !== undefined && !CURRENCY.test(input.currency))
    throw invalid(`"${input.currency}" is not an ISO 4217 currency code`);
  if (input.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: input.timeZone });
    } catch {
      throw invalid(`"${input.timeZone}" is not an IANA time zone`);
    }
  }
}

/** Subscribers, their addresses and credentials, sessions, and recipient resolution. */
export class Directory {
  private readonly byId: TtlCache<string, Subscriber>;
  private readonly idByAddress: TtlCache<string, string>;
  private readonly sessionCache: TtlCache<string, Session>;

  constructor(
    private readonly subscribers: SubscriberStore,
    private readonly sessions: SessionStore,
    private readonly options: DirectoryOptions,
  ) {
    const ttl = options.cacheTtlMs ?? 5000;
    this.byId = new TtlCache(ttl);
    this.idByAddress = new TtlCache(ttl);
    this.sessionCache = new TtlCache(ttl);
  }

  private forget(): void {
    this.byId.clear();
    this.idByAddress.clear();
  }

  /**
   * A subscriber for routing and authentication: may be a few seconds old (usage counters
   * included), which is why quota is enforced in the store, not from this.
   */
  async lookup(id: string): Promise<Subscriber | null> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const subscriber = await this.subscribers.get(id);
    if (subscriber) this.byId.set(id, subscriber);
    return subscriber;
  }

  /** Like lookup, by address. Unknown addresses are not remembered, so a new subscriber counts at once. */
  private async lookupAddress(uri: string): Promise<Subscriber | null> {
    const id = this.idByAddress.get(uri);
    if (id !== undefined) {
      const subscriber = await this.lookup(id);
      if (subscriber?.addresses.includes(uri)) return subscriber;
    }
    const subscriber = await this.subscribers.findByAddress(uri);
    if (subscriber) {
      this.idByAddress.set(uri, subscriber.id);
      this.byId.set(subscriber.id, subscriber);
    }
    return subscriber;
  }

  private normaliseAddresses(addresses: string[]): string[] {
    const uris = addresses.map(normaliseAddress);
    if (new Set(uris).size !== uris.length) throw invalid('an address is listed twice');
    return uris;
  }

  async add(
    input: NewSubscriber & { password?: string; pin?: string; sipSecret?: string },
  ): Promise<Subscriber> {
    if (!input.name || input.name.length > 200)
      throw invalid('a name of 1 to 200 characters is required');
    if (input.addresses.length === 0) throw invalid('a subscriber needs at least one address');
    checkProfile(input);
    if (input.password !== undefined) checkPassword(input.password);
    if (input.pin !== undefined) checkPin(input.pin);
    if (input.sipSecret !== undefined) checkSipSecret(input.sipSecret);
    const p = this.options.defaultProfile;
    const subscriber = await this.subscribers.create({
      ...input,
      addresses: this.normaliseAddresses(input.addresses),
      language: input.language ?? p.language,
      timeZone: input.timeZone ?? p.timeZone,
      currency: input.currency ?? p.currency,
      quotaBytes: input.quotaBytes !== undefined ? input.quotaBytes : p.quotaBytes,
      quotaMessages: input.quotaMessages !== undefined ? input.quotaMessages : p.quotaMessages,
      retentionDays: input.retentionDays !== undefined ? input.retentionDays : p.retentionDays,
    });
    await this.setSecrets(subscriber, input);
    return (await this.subscribers.get(subscriber.id))!;
  }

  async update(
    id: string,
    patch: SubscriberPatch & { password?: string; pin?: string; sipSecret?: string },
  ): Promise<Subscriber> {
    checkProfile(patch);
    if (patch.addresses !== undefined) {
      if (patch.addresses.length === 0) throw invalid('a subscriber needs at least one address');
      patch = { ...patch, addresses: this.normaliseAddresses(patch.addresses) };
    }
    if (patch.password !== undefined) checkPassword(patch.password);
    if (patch.pin !== undefined) checkPin(patch.pin);
    if (patch.sipSecret !== undefined) checkSipSecret(patch.sipSecret);
    const { password, pin, sipSecret, ...rest } = patch;
    const subscriber = await this.subscribers.update(id, rest);
    await this.setSecrets(subscriber, { password, pin, sipSecret });
    this.forget();
    return (await this.subscribers.get(id))!;
  }

  private async setSecrets(
    subscriber: Subscriber,
    secrets: { password?: string; pin?: string; sipSecret?: string },
  ): Promise<void> {
    const credentials: Record<string, string> = {};
    if (secrets.password !== undefined)
      credentials.passwordHash = await hashSecret(secrets.password);
    if (secrets.pin !== undefined) credentials.pinHash = await hashSecret(secrets.pin);
    if (secrets.sipSecret !== undefined) {
      // The SIP user name is the subscriber's first sip: address user part, else their first address.
      const sip = subscriber.addresses.map(parseAddress).find((a) => a.scheme === 'sip');
      const first = parseAddress(subscriber.addresses[0]!);
      const username = sip ? sip.value.split('@')[0]! : first.value.split('@')[0]!;
      const realm = sip?.domain ?? this.options.ownership.domains[0] ?? 'switchboard';
      credentials.sipHa1Md5 = sipHa1('md5', username, realm, secrets.sipSecret);
      credentials.sipHa1Sha256 = sipHa1('sha256', username, realm, secrets.sipSecret);
      credentials.sipRealm = realm;
    }
    if (Object.keys(credentials).length > 0)
      await this.subscribers.setCredentials(subscriber.id, credentials);
  }

  get(id: string): Promise<Subscriber | null> {
    return this.subscribers.get(id);
  }

  async require(id: string): Promise<Subscriber> {
    const subscriber = await this.subscribers.get(id);
    if (!subscriber) throw notFound(`no subscriber ${id}`);
    return subscriber;
  }

  findByAddress(address: string): Promise<Subscriber | null> {
    return this.subscribers.findByAddress(normaliseAddress(address));
  }

  list(options: { limit: number; after?: string }): Promise<Subscriber[]> {
    return this.subscribers.list(options);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.subscribers.delete(id))) throw notFound(`no subscriber ${id}`);
    this.forget();
  }

  /** Password sign-in; gives the same answer for an unknown address and a wrong password. */
  /**
   * Checks an address and password without opening a session (SMTP AUTH, other protocols that
   * authenticate per connection). Null for a wrong address or password, or an inactive account.
   */
  async checkPassword(address: string, password: string): Promise<Subscriber | null> {
    let subscriber: Subscriber | null = null;
    try {
      subscriber = await this.findByAddress(address);
    } catch (err) {
      if (!(err instanceof SwitchboardError)) throw err;
    }
    const credentials = subscriber ? await this.subscribers.getCredentials(subscriber.id) : null;
    const ok = credentials?.passwordHash
      ? await verifySecret(password, credentials.passwordHash)
      : false;
    return subscriber && ok && subscriber.status === 'active' ? subscriber : null;
  }

  async signIn(
    address: string,
    password: string,
  ): Promise<{ token: string; subscriber: Subscriber; expiresAt: string }> {
    let subscriber: Subscriber | null = null;
    try {
      subscriber = await this.findByAddress(address);
    } catch (err) {
      if (!(err instanceof SwitchboardError)) throw err;
    }
    const credentials = subscriber ? await this.subscribers.getCredentials(subscriber.id) : null;
    const ok = credentials?.passwordHash
      ? await verifySecret(password, credentials.passwordHash)
      : false;
    if (!subscriber || !ok) throw unauthorized('wrong address or password');
    if (subscriber.status !== 'active')
      throw unauthorized('this account is inactive; ask your operator');
    const token = newToken();
    const expiresAt = isoAfter(this.options.sessionTtlHours * 3600_000);
    await this.sessions.createSession({
      tokenHash: sha256Hex(token),
      subscriberId: subscriber.id,
      createdAt: isoNow(),
      expiresAt,
    });
    return { token, subscriber, expiresAt };
  }

  /** The subscriber a session token belongs to, or null when unknown or expired. */
  async authenticate(token: string): Promise<Subscriber | null> {
    const hash = sha256Hex(token);
    let session = this.sessionCache.get(hash) ?? null;
    if (!session) {
      session = await this.sessions.findSession(hash);
      if (session) this.sessionCache.set(hash, session);
    }
    if (!session || session.expiresAt <= isoNow()) return null;
    const subscriber = await this.lookup(session.subscriberId);
    return subscriber && subscriber.status === 'active' ? subscriber : null;
  }

  signOut(token: string): Promise<void> {
    this.sessionCache.delete(sha256Hex(token));
    return this.sessions.deleteSession(sha256Hex(token));
  }

  /**
   * The digest credentials of a SIP user in a realm: the subscriber whose SIP URI (or number)
   * the user name is, with the HA1 values kept for them. Null for unknown, inactive or
   * secret-less users, so all of those get the same refusal.
   */
  async sipCredentials(
    username: string,
    realm: string,
  ): Promise<{ subscriber: Subscriber; md5: string | null; sha256: string | null } | null> {
    const candidates = [`sip:${username}@${realm}`];
    if (/^\+?[0-9]{3,15}$/.test(username))
      candidates.push(`tel:${username.startsWith('+') ? username : `+${username}`}`);
    for (const address of candidates) {
      let subscriber: Subscriber | null = null;
      try {
        subscriber = await this.findByAddress(address);
      } catch (err) {
        if (!(err instanceof SwitchboardError)) throw err;
      }
      if (!subscriber || subscriber.status !== 'active') continue;
      const credentials = await this.subscribers.getCredentials(subscriber.id);
      if (!credentials || credentials.sipRealm !== realm) continue;
      if (!credentials.sipHa1Md5 && !credentials.sipHa1Sha256) continue;
      return { subscriber, md5: credentials.sipHa1Md5, sha256: credentials.sipHa1Sha256 };
    }
    return null;
  }

  async verifyPassword(subscriberId: string, password: string): Promise<boolean> {
    const credentials = await this.subscribers.getCredentials(subscriberId);
    return credentials?.passwordHash ? verifySecret(password, credentials.passwordHash) : false;
  }

  /**
   * A phone login: the PIN checked against its hash, wrong ones counted across calls and nodes;
   * `max` in a row lock the mailbox for `lockoutMs`, during which even the right PIN is refused
   * ('locked'). The attempt that locks it is still just 'wrong' to the caller.
   */
  async checkPin(
    subscriberId: string,
    pin: string,
    policy: { max: number; lockoutMs: number },
    now = new Date(),
  ): Promise<'ok' | 'wrong' | 'locked'> {
    const { lockedUntil } = await this.subscribers.pinLockout(subscriberId);
    if (lockedUntil && lockedUntil > now.toISOString()) return 'locked';
    if (await this.verifyPin(subscriberId, pin)) {
      await this.subscribers.clearPinFailures(subscriberId);
      return 'ok';
    }
    await this.subscribers.recordPinFailure(
      subscriberId,
      policy.max,
      now.toISOString(),
      new Date(now.getTime() + policy.lockoutMs).toISOString(),
    );
    return 'wrong';
  }

  async verifyPin(subscriberId: string, pin: string): Promise<boolean> {
    const credentials = await this.subscribers.getCredentials(subscriberId);
    return credentials?.pinHash ? verifySecret(pin, credentials.pinHash) : false;
  }

  /**
   * Resolves one recipient: a local subscriber's mailbox; a new mailbox for an unknown address we
   * own when dynamic mailboxes are on; otherwise, for an owned address, a clear refusal; and an
   * address we do not own is external.
   */
  async resolve(address: string): Promise<Resolution> {
    const parsed = parseAddress(address);
    const subscriber = await this.lookupAddress(parsed.uri);
    if (subscriber) {
      if (subscriber.status !== 'active')
        throw new SwitchboardError(
          'no-mailbox',
          `the mailbox of ${parsed.uri} is not accepting messages`,
          { address: parsed.uri },
        );
      return {
        kind: 'local',
        target: { kind: 'existing', subscriberId: subscriber.id, address: parsed.uri },
      };
    }
    if (!isOwned(parsed, this.options.ownership)) return { kind: 'external', address: parsed.uri };
    if (!this.options.dynamicMailboxes)
      throw new SwitchboardError('no-mailbox', `there is no mailbox ${parsed.uri}`, {
        address: parsed.uri,
      });
    const p = this.options.defaultProfile;
    return {
      kind: 'local',
      target: {
        kind: 'dynamic',
        address: parsed.uri,
        profile: { ...p, name: parsed.value, addresses: [parsed.uri], dynamic: true },
      },
    };
  }
}
