/** Notification preferences as the API keeps them (see PATCH /api/v1/me). */
export interface NotificationRule {
  messageType: string;
  channels: string[];
  urgentOnly?: boolean;
}

export interface NotificationPreferences {
  rules?: NotificationRule[];
  quietHours?: { start: string; end: string };
  email?: string;
}

/** Rows of the editor: '*' is any message; then each type a message can have. */
export const RULE_TYPES = ['*', 'voice', 'fax', 'email', 'sms', 'ivm', 'text'] as const;
/** Columns: the outbound resource types a notice can go through. */
export const RULE_CHANNELS = ['email', 'webhook', 'sms'] as const;

/** `smtp` is the resource's name for what people call email. */
const ALIASES: Record<string, string> = { smtp: 'email' };

/** The editor's model: for each message type, the channels and whether only urgent ones count. */
export type RuleGrid = Record<string, { channels: string[]; urgentOnly: boolean }>;

/**
 * Rules to one row per type. Several rules for a type merge into one row; its channels are
 * their union and it is urgent-only only if all of them were. Channels the editor has no column
 * for are kept, so saving does not drop what another client set.
 */
export function toGrid(rules: NotificationRule[] = []): RuleGrid {
  const grid: RuleGrid = {};
  for (const type of RULE_TYPES) grid[type] = { channels: [], urgentOnly: false };
  const seen = new Set<string>();
  for (const rule of rules) {
    const row = (grid[rule.messageType] ??= { channels: [], urgentOnly: false });
    const channels = rule.channels.map((c) => ALIASES[c] ?? c);
    row.channels = [...new Set([...row.channels, ...channels])];
    row.urgentOnly = seen.has(rule.messageType)
      ? row.urgentOnly && !!rule.urgentOnly
      : !!rule.urgentOnly;
    seen.add(rule.messageType);
  }
  return grid;
}

/** One rule per type that notifies through at least one channel, in the editor's order. */
export function fromGrid(grid: RuleGrid): NotificationRule[] {
  const order = [
    ...RULE_TYPES,
    ...Object.keys(grid).filter((t) => !RULE_TYPES.includes(t as never)),
  ];
  return order.flatMap((messageType) => {
    const row = grid[messageType];
    if (!row || row.channels.length === 0) return [];
    return [
      row.urgentOnly
        ? { messageType, channels: row.channels, urgentOnly: true }
        : { messageType, channels: row.channels },
    ];
  });
}
