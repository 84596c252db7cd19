/** Waiting messages of one kind, as RFC 3842 counts them. */
interface Tally {
  new: number;
  old: number;
  urgentNew: number;
  urgentOld: number;
}

/** Which RFC 3458 message-context class each message type lights up. */
const CLASS_OF: Record<string, 'Voice' | 'Fax' | 'Text' | 'Multimedia'> = {
  voice: 'Voice',
  ivm: 'Voice',
  fax: 'Fax',
  email: 'Text',
  sms: 'Text',
  text: 'Text',
  video: 'Multimedia',
  image: 'Multimedia',
};

/**
 * The body of a message-summary NOTIFY (RFC 3842, application/simple-message-summary): whether
 * anything new waits, and new/old (urgent new/urgent old) per class. Voice, fax and text are
 * always listed, so phones that show only one of them find it.
 */
export function messageSummary(
  counts: ReadonlyArray<{ type: string; read: boolean; urgent: boolean; count: number }>,
  account: string,
): string {
  const tallies = new Map<string, Tally>(
    ['Voice', 'Fax', 'Text'].map((c) => [c, { new: 0, old: 0, urgentNew: 0, urgentOld: 0 }]),
  );
  for (const c of counts) {
    const cls = CLASS_OF[c.type] ?? 'Text';
    const t = tallies.get(cls) ?? { new: 0, old: 0, urgentNew: 0, urgentOld: 0 };
    tallies.set(cls, t);
    if (c.read) t.old += c.count;
    else t.new += c.count;
    if (c.urgent && c.read) t.urgentOld += c.count;
    if (c.urgent && !c.read) t.urgentNew += c.count;
  }
  const waiting = [...tallies.values()].some((t) => t.new > 0);
  return [
    `Messages-Waiting: ${waiting ? 'yes' : 'no'}`,
    `Message-Account: ${account}`,
    ...[...tallies].map(
      ([cls, t]) => `${cls}-Message: ${t.new}/${t.old} (${t.urgentNew}/${t.urgentOld})`,
    ),
    '',
  ].join('\r\n');
}
