import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { dnsHostResolver } from '../channels/sip/calls/call-target.js';
import { identifyCaller } from '../channels/sip/calls/caller-identity.js';
import { OutboundCalls } from '../channels/sip/calls/outbound-call.js';
import type { RetrievalServices } from '../channels/sip/calls/retrieval-call.js';
import { promptText, type PromptId } from '../channels/sip/calls/prompts.js';
import { VoicemailCalls } from '../channels/sip/calls/voicemail-calls.js';
import { phoneMailbox } from './phone-mailbox.js';
import { DigestGuard } from '../channels/sip/digest-guard.js';
import { wavSamples } from '../channels/sip/media/wav-file.js';
import { MessageWaiting } from '../channels/sip/message-waiting.js';
import { NonceIssuer, type DigestAlgorithm } from '../channels/sip/protocol/digest.js';
import { Registrar } from '../channels/sip/registrar.js';
import { SipServer } from '../channels/sip/sip-server.js';
import type { Config } from '../config/config.js';
import type { NoticeCodeStore } from '../core/delivery-ports.js';
import type { MailboxService } from '../core/mailbox.js';
import type { Metrics } from './metrics.js';
import type { Bus } from '../core/ports.js';
import type { Directory } from '../directory/directory.js';
import type { Greetings } from '../directory/greetings.js';
import type { Intake } from '../intake/intake.js';
import { networkList } from '../lib/networks.js';
import { Semaphore } from '../lib/semaphore.js';
import type { DialPolicy } from '../router/dial-policy.js';
import type { MessageRepository } from '../store/message-repository.js';
import type { createMediaService } from './media.js';
import { faxEngine } from './fax.js';

/** The configured digest algorithms, checked: a typo must stop the start, not lock phones out. */
function digestAlgorithms(names: string[]): DigestAlgorithm[] {
  const known: DigestAlgorithm[] = ['MD5', 'SHA-256'];
  const chosen = names.map((n) => known.find((k) => k === n.toUpperCase()));
  if (chosen.length === 0 || chosen.some((a) => !a))
    throw new Error(
      `SWITCHBOARD_SIP_DIGEST_ALGORITHMS: use MD5 and/or SHA-256, not "${names.join(',')}"`,
    );
  return chosen as DigestAlgorithm[];
}

/** The address a call's Request-URI names: a number as tel:, a SIP user in one of our domains. */
function callTarget(uri: string, domains: string[]): string | null {
  const m = /^sips?:([^@;]+)@([^;:>]+)/i.exec(uri);
  if (!m) return null;
  const user = decodeURIComponent(m[1]!);
  if (/^\+?[0-9]{3,15}$/.test(user)) return `tel:${user.startsWith('+') ? user : `+${user}`}`;
  const host = m[2]!.toLowerCase();
  return `sip:${user}@${domains.includes(host) ? host : (domains[0] ?? host)}`;
}

/** SWITCHBOARD_FAX_NUMBERS as tel: addresses, checked: a typo must stop the start. */
function faxNumbers(numbers: string[]): Set<string> {
  return new Set(
    numbers.map((n) => {
      const number = /^(?:tel:)?(\+?[0-9]{3,15})$/.exec(n.trim())?.[1];
      if (!number) throw new Error(`SWITCHBOARD_FAX_NUMBERS: "${n}" is not an E.164 number`);
      return `tel:${number.startsWith('+') ? number : `+${number}`}`;
    }),
  );
}

/** Room left in a mailbox for a recording, in ms of 8 kHz 16-bit audio; null for no quota. */
function roomFor(s: {
  quotaBytes?: number | null;
  quotaMessages?: number | null;
  usedBytes?: number;
  messageCount?: number;
}): number | null {
  if (s.quotaMessages != null && (s.messageCount ?? 0) >= s.quotaMessages) return 0;
  if (s.quotaBytes == null) return null;
  // The WAV header and the message's record take a little room besides the samples.
  return Math.max(0, Math.floor((s.quotaBytes - (s.usedBytes ?? 0) - 4096) / 16));
}

export interface SipSideDeps {
  config: Config;
  logger: Logger;
  directory: Directory;
  messages: MessageRepository;
  bus: Bus;
  intake: Intake;
  greetings: Greetings;
  media: ReturnType<typeof createMediaService>;
  /** Key for the stateless digest nonces. */
  nonceKey: Buffer;
  metrics: Metrics;
  mailbox: MailboxService;
  /** The outbound dial policy: the voicemail exits (and every call placed) must pass it. */
  dialPolicy: Pick<DialPolicy, 'destinationRefusal' | 'refusal'>;
  /** The mailbox menu's call-back (3 then 2). */
  callBack: RetrievalServices['callBack'];
  /** Notice codes, for calls to the message link number. */
  noticeCodes: Pick<NoticeCodeStore, 'findNoticeCode'>;
}

/** How each voicemail call's last log line counts in the metrics. */
const CALL_OUTCOMES: Record<string, string> = {
  'voicemail stored': 'stored',
  'voicemail discarded': 'discarded',
  'voicemail too short, discarded': 'too-short',
  'voicemail could not be stored': 'failed',
  'fax stored': 'fax',
  'fax received no pages': 'fax-empty',
  'fax could not be stored': 'fax-failed',
};

/**
 * The telephone side, wired: SIP transport, digest guard, registrar, message-waiting lights and
 * voicemail calls on one SipServer. Gives the port it listens on and how to stop it.
 */
export async function startSipSide(
  d: SipSideDeps,
): Promise<{ port: number; outbound: OutboundCalls; close(): Promise<void> }> {
  const { config, logger, directory, messages, bus, intake, greetings, media, nonceKey, metrics } =
    d;
  // A transfer from * or 0 is a call placed on our behalf: its destination must pass the policy.
  for (const [setting, exit] of [
    ['SWITCHBOARD_VOICEMAIL_STAR_DESTINATION', config.voicemailStarDestination],
    ['SWITCHBOARD_VOICEMAIL_ZERO_DESTINATION', config.voicemailZeroDestination],
  ] as const) {
    const refusal = exit ? d.dialPolicy.destinationRefusal(exit) : null;
    if (refusal) throw new Error(`${setting} ${exit}: ${refusal}`);
  }
  const realm = config.domains[0] ?? 'switchboard';
  const sipGuard = new DigestGuard(
    directory,
    new NonceIssuer(nonceKey),
    {
      realm,
      algorithms: digestAlgorithms(config.sipDigestAlgorithms),
    },
    (reason, peer, username) =>
      logger.warn(
        { username, remote: `${peer.address}:${peer.port}`, reason },
        'SIP authentication refused',
      ),
  );
  const registrar = new Registrar(
    sipGuard,
    { minExpires: config.sipRegisterMinExpires, maxExpires: config.sipRegisterMaxExpires },
    {
      registered: (b) => {
        messageWaiting.registered(b.subscriberId);
        logger.info(
          {
            subscriber: b.subscriberId,
            contact: b.contact,
            via: `${b.transport} ${b.address}:${b.port}`,
          },
          'phone registered',
        );
      },
    },
  );
  const sip = new SipServer({
    host: config.httpHost,
    port: config.sipPort,
    publicHost: config.sipPublicHost,
    maxMessageBytes: config.sipMaxMessageBytes,
    logger,
  });
  const messageWaiting = new MessageWaiting({
    guard: sipGuard,
    transactions: sip.transactions,
    bus,
    counts: (id) => messages.waitingCounts(id),
    bindings: (id) => registrar.bindingsOf(id),
    local: () => sip.local(),
    maxExpires: config.sipRegisterMaxExpires,
    log: (event, detail) => logger.info(detail, event),
  });
  sip.handle('REGISTER', (request, peer) => registrar.register(request, peer));
  sip.handle('SUBSCRIBE', (request, peer) => messageWaiting.subscribe(request, peer));
  const recordings = join(config.dataDir, 'recordings');
  mkdirSync(recordings, { recursive: true });
  const spoken = new Map<string, Promise<Int16Array>>();
  const prompt = (id: PromptId, language: string): Promise<Int16Array> => {
    const key = `${language}|${id}`;
    let made = spoken.get(key);
    if (!made) {
      made = media
        .convert(
          Buffer.from(promptText(id, language), 'utf8'),
          'text/plain',
          'audio/wav;rate=8000',
          {
            language,
          },
        )
        .then((r) => wavSamples(r.content));
      made.catch(() => spoken.delete(key));
      spoken.set(key, made);
    }
    return made;
  };
  const storing = new Semaphore(4);
  const trustedTrunks = networkList(config.sipTrustedTrunks, 'SWITCHBOARD_SIP_TRUSTED_TRUNKS');
  const { ownerOf, retrieval } = phoneMailbox({
    config,
    logger,
    directory,
    intake,
    greetings,
    media,
    mailbox: d.mailbox,
    prompt,
    transactions: sip.transactions,
    local: () => sip.local(),
    callBack: d.callBack,
    noticeCodes: d.noticeCodes,
  });
  const faxLines = faxNumbers(config.faxNumbers);
  const linkDigits = config.messageLinkNumber?.replace(/^\+/, '') ?? null;
  const voicemailUsers = new Set(['voicemail', config.voicemailNumber.toLowerCase()]);
  const voicemail = new VoicemailCalls({
    isVoicemailNumber: (uri) => {
      const user = /^sips?:([^@;]+)@/i.exec(uri)?.[1];
      if (!user) return false;
      try {
        return voicemailUsers.has(decodeURIComponent(user).toLowerCase());
      } catch {
        return false;
      }
    },
    messageLink: (uri) => {
      const user = /^sips?:\+?([0-9]+)@/i.exec(uri)?.[1];
      if (!linkDigits || !user?.startsWith(linkDigits)) return null;
      const code = user.slice(linkDigits.length);
      // The number alone asks for the code; the number and six digits name the message.
      if (code === '') return { code: null };
      return /^[0-9]{6}$/.test(code) ? { code } : null;
    },
    ownerOf,
    retrieval,
    mailboxFor: async (uri) => {
      const target = callTarget(uri, config.domains);
      if (!target) return null;
      const resolution = await directory.resolve(target);
      if (resolution.kind !== 'local') return null;
      if (resolution.target.kind === 'dynamic')
        return {
          subscriberId: '',
          address: resolution.target.address,
          language: config.defaultLanguage,
          roomMs: roomFor(resolution.target.profile),
        };
      const owner = await directory.lookup(resolution.target.subscriberId);
      return owner
        ? {
            subscriberId: owner.id,
            address: resolution.target.address,
            language: owner.language,
            roomMs: roomFor(owner),
          }
        : null;
    },
    identify: (request, peer) =>
      identifyCaller(request, peer, {
        guard: sipGuard,
        trustedTrunks,
        isSubscriber: async (address) => {
          const r = await directory.resolve(address).catch(() => null);
          return r?.kind === 'local' && r.target.kind === 'existing';
        },
      }),
    greeting: async (subscriberId, kind) => {
      const audio = await greetings
        .audio(subscriberId, kind, 'audio/wav;rate=8000')
        .catch(() => null);
      return audio ? wavSamples(audio.content) : null;
    },
    prompt,
    // A few recordings at a time: when many calls end together, each read whole and committed
    // at once would pile their WAVs up in memory (bench/README.md).
    store: (m) =>
      storing.run(async () => {
        await intake.ingest(
          {
            type: 'voice',
            from: m.from,
            to: [m.to],
            durationMs: m.durationMs,
            urgent: m.urgent,
            authResults: `${realm}; caller-id=${m.caller.verified ? 'pass' : 'none'} reason="${m.caller.basis}"`,
          },
          [
            {
              contentType: 'audio/wav',
              filename: 'voicemail.wav',
              content: await readFile(m.file),
            },
          ],
        );
      }),
    fax: {
      detectMs: config.faxDetectSeconds * 1000,
      dedicated: (address) => faxLines.has(address),
      maxFaxMs: config.faxMaxSeconds * 1000,
      engine: faxEngine(config),
      ...(config.faxT38 ? { t38: faxEngine(config) } : {}),
      transactions: sip.transactions,
      local: () => sip.local(),
      log: (event, detail) => logger.info(detail, event),
      storeFax: (f) =>
        storing.run(async () => {
          const who = f.remoteId || f.from.replace(/^tel:/, '');
          await intake.ingest(
            {
              type: 'fax',
              from: f.from,
              to: [f.to],
              subject: `Fax from ${who}${f.complete ? '' : ` (incomplete: ${f.status})`}`,
              durationMs: f.durationMs,
              pages: f.pages,
              authResults: `${realm}; caller-id=${f.caller.verified ? 'pass' : 'none'} reason="${f.caller.basis}"`,
            },
            [
              {
                contentType: 'image/tiff;application=faxg3',
                filename: 'fax.tif',
                content: await readFile(f.file),
              },
            ],
          );
        }),
    },
    exits: { star: config.voicemailStarDestination, zero: config.voicemailZeroDestination },
    transactions: sip.transactions,
    local: () => sip.local(),
    rtpHost: () => sip.local().host,
    recordingsDir: recordings,
    maxRecordingMs: config.voicemailMaxSeconds * 1000,
    minRecordingMs: config.voicemailMinMs,
    silenceMs: config.voicemailSilenceSeconds * 1000,
    log: (event, detail) => {
      logger.info(detail, event);
      const outcome = CALL_OUTCOMES[event];
      if (!outcome) return;
      metrics.voicemailCalls.inc({ outcome });
      const rtp = detail as { received?: number; lost?: number; late?: number };
      metrics.rtpPackets.inc({ kind: 'received' }, rtp.received ?? 0);
      metrics.rtpPackets.inc({ kind: 'lost' }, rtp.lost ?? 0);
      metrics.rtpPackets.inc({ kind: 'late' }, rtp.late ?? 0);
    },
  });
  const outbound = new OutboundCalls({
    transactions: sip.transactions,
    local: () => sip.local(),
    rtpHost: () => sip.local().host,
    resolve: dnsHostResolver(),
    log: (event, detail) => logger.info(detail, event),
  });
  metrics.sources.activeCalls = () => voicemail.active + outbound.active;
  sip.handle('INVITE', (request, peer) =>
    // A re-INVITE in a call we placed: 488 and it carries on as it was, unless a fax takes T.38.
    Promise.resolve(outbound.reinvite(request, peer) ?? voicemail.invite(request, peer)),
  );
  sip.handle('CANCEL', (request, peer) => voicemail.cancel(request, peer));
  sip.handle('NOTIFY', (request, peer) => voicemail.notify(request, peer));
  // Made now rather than during the first call, where the caller would wait through it.
  for (const id of ['unavailable', 'busy', 'review-menu'] as const)
    void prompt(id, config.defaultLanguage).catch((err: unknown) =>
      logger.warn({ err, prompt: id }, 'a spoken prompt could not be made'),
    );
  sip.onAck((request) => {
    outbound.ack(request);
    voicemail.ack(request);
  });
  sip.handle('BYE', (request, peer) => outbound.bye(request, peer) ?? voicemail.bye(request, peer));
  const sipPort = await sip.listen();
  return {
    port: sipPort,
    outbound,
    async close() {
      messageWaiting.close();
      await outbound.close();
      await sip.close();
    },
  };
}
