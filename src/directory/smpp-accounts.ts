import { invalid, notFound } from '../core/errors.js';
import type { SmppAccount, SmppAccountStore } from '../core/smpp-account.js';
import type { Subscriber } from '../core/subscriber.js';
import type { Directory } from './directory.js';
import { hashSecret, verifySecret } from './passwords.js';

/** SMPP 3.4 5.2.1: system_id is a C-Octet String of at most 16 octets, NUL included. */
const SYSTEM_ID = /^[\x21-\x7e]{1,15}$/;
/**
 * SMPP 3.4 5.2.2: password is at most 9 octets, NUL included, so 8 characters on the wire; at
 * least 6 here, since every bind costs a scrypt and a connection, which is what slows guessing.
 */
const PASSWORD = /^[\x20-\x7e]{6,8}$/;
/** An E.164 number, or a prefix of numbers ending in `*`. */
const SOURCE = /^\+[1-9][0-9]{0,14}\*?$/;
export const MAX_THROUGHPUT = 10_000;

export interface SmppAccountInput {
  systemId: string;
  password: string;
  subscriberId: string;
  sourceAddresses?: string[];
  throughput?: number;
}

export type BindCheck =
  | { ok: true; account: SmppAccount; subscriber: Subscriber }
  | { ok: false; reason: 'unknown-system-id' | 'wrong-password' | 'inactive-subscriber' };

/** Compared against when the system_id is unknown, so that a miss costs what a hit costs. */
let decoy: Promise<string> | null = null;

/**
 * Applications' SMPP logins: added and removed by operators, checked at bind, and the numbers
 * an application may send from.
 */
export class SmppAccounts {
  constructor(
    private readonly store: SmppAccountStore,
    private readonly directory: Pick<Directory, 'lookup'>,
  ) {}

  async add(input: SmppAccountInput): Promise<SmppAccount> {
    if (!SYSTEM_ID.test(input.systemId))
      throw invalid('the system_id must be 1 to 15 printable ASCII characters without spaces');
    if (!PASSWORD.test(input.password))
      throw invalid(
        'the SMPP password must be 6 to 8 printable ASCII characters (SMPP 3.4 carries at most 8)',
      );
    const sources = input.sourceAddresses ?? [];
    const bad = sources.find((s) => !SOURCE.test(s));
    if (bad !== undefined)
      throw invalid(
        `source address "${bad}" is not an E.164 number (+4930...) or a prefix ending in *`,
      );
    const throughput = input.throughput ?? 10;
    if (!Number.isInteger(throughput) || throughput < 1 || throughput > MAX_THROUGHPUT)
      throw invalid(
        `the throughput must be a whole number of messages a second, 1 to ${MAX_THROUGHPUT}`,
      );
    if (!(await this.directory.lookup(input.subscriberId)))
      throw notFound(`no subscriber ${input.subscriberId}`);
    return this.store.createSmppAccount({
      systemId: input.systemId,
      passwordHash: await hashSecret(input.password),
      subscriberId: input.subscriberId,
      sourceAddresses: [...new Set(sources)],
      throughput,
    });
  }

  list(): Promise<SmppAccount[]> {
    return this.store.listSmppAccounts();
  }

  remove(systemId: string): Promise<boolean> {
    return this.store.deleteSmppAccount(systemId);
  }

  /** The bind's credentials checked; the reason is for the log, never for the application. */
  async bind(systemId: string, password: string): Promise<BindCheck> {
    const found = SYSTEM_ID.test(systemId) ? await this.store.findSmppAccount(systemId) : null;
    if (!found) {
      decoy ??= hashSecret('no such account');
      await verifySecret(password, await decoy);
      return { ok: false, reason: 'unknown-system-id' };
    }
    if (!(await verifySecret(password, found.passwordHash)))
      return { ok: false, reason: 'wrong-password' };
    const subscriber = await this.directory.lookup(found.account.subscriberId);
    if (!subscriber || subscriber.status !== 'active')
      return { ok: false, reason: 'inactive-subscriber' };
    return { ok: true, account: found.account, subscriber };
  }
}

/**
 * The `tel:` URI an application sends from: the number it asked for when its account allows it
 * (its source addresses, else the subscriber's own numbers), the first allowed number when it
 * named none, or null when it may not use the one it named.
 */
export function senderAddress(
  account: SmppAccount,
  subscriber: Subscriber,
  requested: string | null,
): string | null {
  const own = subscriber.addresses.filter((a) => a.startsWith('tel:')).map((a) => a.slice(4));
  const allowed = account.sourceAddresses.length > 0 ? account.sourceAddresses : own;
  if (requested === null) {
    const first = allowed.find((a) => !a.endsWith('*'));
    return first ? `tel:${first}` : null;
  }
  const ok = allowed.some((a) =>
    a.endsWith('*') ? requested.startsWith(a.slice(0, -1)) : requested === a,
  );
  return ok ? `tel:${requested}` : null;
}
