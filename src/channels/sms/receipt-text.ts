/** The final states a receipt reports (SMPP 3.4 Appendix B), with their message_state values. */
export const RECEIPT_STATES = { DELIVRD: 2, EXPIRED: 3, UNDELIV: 5 } as const;
export type ReceiptStat = keyof typeof RECEIPT_STATES;

/** YYMMDDhhmm in UTC, the date form of Appendix B. */
function receiptDate(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(at.getUTCFullYear() % 100) +
    two(at.getUTCMonth() + 1) +
    two(at.getUTCDate()) +
    two(at.getUTCHours()) +
    two(at.getUTCMinutes())
  );
}

/**
 * The short_message of a delivery receipt (SMPP 3.4 Appendix B), the form SMSCs use and ESMEs
 * such as Kannel parse: `id:... sub:001 dlvrd:001 submit date:... done date:... stat:DELIVRD
 * err:000 text:...`, the text being the first 20 characters of the message, in printable ASCII
 * so that it survives any coding the ESME assumes.
 */
export function receiptText(receipt: {
  id: string;
  submitted: Date;
  done: Date;
  stat: ReceiptStat;
  err: number;
  text: string;
}): string {
  const text = Array.from(receipt.text.slice(0, 20))
    .map((c) => (c >= ' ' && c <= '~' ? c : '?'))
    .join('');
  return (
    `id:${receipt.id} sub:001 dlvrd:${receipt.stat === 'DELIVRD' ? '001' : '000'} ` +
    `submit date:${receiptDate(receipt.submitted)} done date:${receiptDate(receipt.done)} ` +
    `stat:${receipt.stat} err:${String(receipt.err).padStart(3, '0')} text:${text}`
  );
}
