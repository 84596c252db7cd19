/**
 * An SMPP account: how an application (an ESME) binds to Switchboard's SMPP server and whom it
 * acts for. Messages it submits are sent as, and billed to, that subscriber.
 */
export interface SmppAccount {
  id: string;
  /** SMPP 3.4 system_id: at most 15 characters (16 octets with the terminating NUL). */
  systemId: string;
  /** The subscriber it sends for: billed, and the owner of the sent copies. */
  subscriberId: string;
  /**
   * Numbers it may send from, as E.164 (`+4930555`), or a prefix ending in `*` (`+4930555*`).
   * Empty: only the subscriber's own `tel:` addresses.
   */
  sourceAddresses: string[];
  /** Most submit_sm a second, over all its sessions; more are answered ESME_RTHROTTLED. */
  throughput: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewSmppAccount {
  systemId: string;
  /** scrypt, as `hashSecret` writes it; never the password itself. */
  passwordHash: string;
  subscriberId: string;
  sourceAddresses: string[];
  throughput: number;
}

/** The SMPP account store (a port: SQLite and PostgreSQL implement it). */
export interface SmppAccountStore {
  /** Throws a `conflict` error when the system_id is taken. */
  createSmppAccount(account: NewSmppAccount): Promise<SmppAccount>;
  listSmppAccounts(): Promise<SmppAccount[]>;
  /** The account and its password hash, for a bind. */
  findSmppAccount(systemId: string): Promise<{ account: SmppAccount; passwordHash: string } | null>;
  /** False when there was none. */
  deleteSmppAccount(systemId: string): Promise<boolean>;
}
