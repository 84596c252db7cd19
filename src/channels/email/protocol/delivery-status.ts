/**
 * The machine-readable part of a delivery status notification (RFC 3464, message/delivery-status):
 * one block of per-message fields, then a block per recipient, blocks separated by blank lines,
 * each a list of header-style fields that may be folded.
 */

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export interface RecipientStatus {
  /** The address, without its type: `rfc822; ann@x` gives `ann@x`. */
  finalRecipient: string | null;
  action: DsnAction;
  /** The enhanced status code (RFC 3463), e.g. 5.1.1. */
  status: string | null;
  diagnosticCode: string | null;
}

export interface DeliveryStatusReport {
  reportingMta: string | null;
  recipients: RecipientStatus[];
}

const ACTIONS: readonly string[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];
/** Enough for any real report; a report past these is cut, never a reason to use more memory. */
const MAX_RECIPIENTS = 100;
const MAX_FIELD = 1000;

/** The fields of one block, names lower-cased, folded lines joined. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | null = null;
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line) && last) {
      out.set(last, `${out.get(last)} ${line.trim()}`.slice(0, MAX_FIELD));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    out.set(
      last,
      line
        .slice(colon + 1)
        .trim()
        .slice(0, MAX_FIELD),
    );
  }
  return out;
}

/** `rfc822; ann@x` → `ann@x`; a value without a type as it is. */
function typedValue(value: string | undefined): string | null {
  if (!value) return null;
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim() || null;
}

/** The report, or null when the text has no recipient block with a known Action. */
export function parseDeliveryStatus(text: string): DeliveryStatusReport | null {
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((b) => b.trim())
    .filter(Boolean)
    .map(fields);
  if (blocks.length < 2) return null;
  const recipients: RecipientStatus[] = [];
  for (const block of blocks.slice(1, 1 + MAX_RECIPIENTS)) {
    const action = block.get('action')?.toLowerCase().split(/[\s(]/)[0] ?? '';
    if (!ACTIONS.includes(action)) continue;
    recipients.push({
      finalRecipient: typedValue(block.get('final-recipient') ?? block.get('original-recipient')),
      action: action as DsnAction,
      status: /^\d\.\d{1,3}\.\d{1,3}/.exec(block.get('status') ?? '')?.[0] ?? null,
      diagnosticCode: typedValue(block.get('diagnostic-code')),
    });
  }
  if (recipients.length === 0) return null;
  return { reportingMta: typedValue(blocks[0]!.get('reporting-mta')), recipients };
}
