/** A delivery receipt from an SMSC, as far as we use it. */
export interface DeliveryReceipt {
  /** The message id the SMSC gave in submit_sm_resp (maybe in another base: see `idCandidates`). */
  id: string;
  /** DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD (SMPP 3.4 Appendix B). */
  stat: string;
  err: string | null;
  doneDate: string | null;
}

/** message_state TLV values (SMPP 3.4 5.3.2.35) as the stat words. */
const STATES: Record<number, string> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

/**
 * The receipt in a deliver_sm (esm_class message type 0x04): the TLVs receipted_message_id and
 * message_state when present (SMPP 3.4 says to prefer them), else the text of Appendix B,
 * `id:... sub:... dlvrd:... submit date:... done date:... stat:... err:... text:...`, whose
 * field names vary in case among SMSCs. Null when neither says which message it is about.
 */
export function parseDeliveryReceipt(
  text: string,
  tlv: { receiptedMessageId?: string | null; messageState?: number | null } = {},
): DeliveryReceipt | null {
  const field = (name: string) =>
    new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1] ?? null;
  const id = tlv.receiptedMessageId?.replace(/\0+$/, '') || field('id');
  const stat =
    (tlv.messageState != null ? STATES[tlv.messageState] : null) ?? field('stat')?.toUpperCase();
  if (!id || !stat) return null;
  return { id, stat, err: field('err'), doneDate: field('done\\s+date') };
}

/** Whether the receipt ends the message: delivered, or failed for good. */
export function receiptOutcome(stat: string): 'delivered' | 'failed' | 'pending' {
  if (stat === 'DELIVRD') return 'delivered';
  if (['UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED', 'UNKNOWN'].includes(stat)) return 'failed';
  return 'pending';
}

/**
 * The forms a message id may take in a receipt: SMSCs disagree on the base, so an id given as
 * hex in submit_sm_resp may come back in decimal in the receipt, or the other way round. Ids
 * are stored as given; a receipt is looked up under each of these.
 */
export function idCandidates(id: string): string[] {
  const out = new Set([id, id.toLowerCase()]);
  if (/^[0-9]{1,30}$/.test(id)) out.add(BigInt(id).toString(16));
  if (/^[0-9a-f]{1,24}$/i.test(id)) out.add(BigInt(`0x${id}`).toString(10));
  // Leading zeros come and go as well.
  for (const v of [...out]) out.add(v.replace(/^0+(?=.)/, ''));
  return [...out];
}
