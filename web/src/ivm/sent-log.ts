import type { SendMode, SentPatch } from './outbox';

export type Receipt = 'delivered' | 'played';

/** A voice message I sent, with a tick per recipient. */
export interface Sent {
  id: string;
  at: string;
  to: string[];
  mode: SendMode;
  state: 'queued' | 'sending' | 'stored' | 'failed';
  durationMs: number | null;
  refused: Array<{ address: string; reason: string }>;
  receipts: Record<string, Receipt>;
  error: string | null;
}

const KEY = 'switchboard.ivm.sent.';
const KEPT = 50;
const RANK: Record<Receipt, number> = { delivered: 1, played: 2 };

/**
 * What I sent, kept in the browser per subscriber (the server keeps the messages; the list of
 * sends with their receipts is this device's view of them).
 */
export function loadSent(owner: string): Sent[] {
  try {
    const list = JSON.parse(localStorage.getItem(KEY + owner) ?? '[]') as Sent[];
    // What was on its way when the page closed had its recording in memory only.
    return list.map((s) =>
      s.state === 'stored' || s.state === 'failed' ? s : { ...s, state: 'failed', error: 'lost' },
    );
  } catch {
    return [];
  }
}

export function saveSent(owner: string, sent: Sent[]): void {
  localStorage.setItem(KEY + owner, JSON.stringify(sent.slice(0, KEPT)));
}

/** The list with one send changed (or added, newest first; or dropped when cancelled). */
export function patchSent(sent: Sent[], id: string, patch: SentPatch): Sent[] {
  if (patch.state === 'cancelled') return sent.filter((s) => s.id !== id);
  const { state, ...rest } = patch;
  const existing = sent.find((s) => s.id === id);
  const next: Sent = {
    ...(existing ?? {
      id,
      at: new Date().toISOString(),
      to: [],
      mode: 'record',
      state: 'queued',
      durationMs: null,
      refused: [],
      receipts: {},
      error: null,
    }),
    ...(Object.fromEntries(
      Object.entries(rest).filter(([, v]) => v !== undefined),
    ) as Partial<Sent>),
    ...(state ? { state } : {}),
  };
  return existing ? sent.map((s) => (s.id === id ? next : s)) : [next, ...sent].slice(0, KEPT);
}

/** The list with a receipt applied; played outranks delivered, and nothing goes back. */
export function applyReceipt(sent: Sent[], id: string, from: string, state: Receipt): Sent[] {
  const entry = sent.find((s) => s.id === id);
  if (!entry || !(state in RANK)) return sent;
  const before = entry.receipts[from];
  if (before && RANK[before] >= RANK[state]) return sent;
  return sent.map((s) => (s === entry ? { ...s, receipts: { ...s.receipts, [from]: state } } : s));
}
