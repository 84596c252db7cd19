import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { identifyCaller } from '../channels/sip/calls/caller-identity.js';
import { promptText, type PromptId } from '../channels/sip/calls/prompts.js';
import type { MailboxOwner, RetrievalServices } from '../channels/sip/calls/retrieval-call.js';
import { VoicemailCalls } from '../channels/sip/calls/voicemail-calls.js';
import { DigestGuard } from '../channels/sip/digest-guard.js';
import { wavSamples } from '../channels/sip/media/wav-file.js';
import { MessageWaiting } from '../channels/sip/message-waiting.js';
import { NonceIssuer, type DigestAlgorithm } from '../channels/sip/protocol/digest.js';
import { Registrar } from '../channels/sip/registrar.js';
import { SipServer } from '../channels/sip/sip-server.js';
import type { Config } from '../config/config.js';
import type { MailboxService } from '../core/mailbox.js';
import type { Message } from '../core/message.js';
import type { Metrics } from './metrics.js';
import type { Bus } from '../core/ports.js';
import type { Directory } from '../directory/directory.js';
import type { Greetings } from '../directory/greetings.js';
import type { Intake } from '../intake/intake.js';
import { networkList } from '../lib/networks.js';
import { Semaphore } from '../lib/semaphore.js';
import { wavHeader } from '../media/wav.js';
import type { MessageRepository } from '../store/message-repository.js';
import type { createMediaService } from './media.js';

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

/** 8 kHz 16-bit samples as a WAV file. */
function pcmWav(pcm: Int16Array): Buffer {
  return Buffer.concat([
    wavHeader(pcm.byteLength),
    Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength),
  ]);
}

function concatPcm(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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
}

/** How each voicemail call's last log line counts in the metrics. */
const CALL_OUTCOMES: Record<string, string> = {
  'voicemail stored': 'stored',
  'voicemail discarded': 'discarded',
  'voicemail too short, discarded': 'too-short',
  'voicemail could not be stored': 'failed',
};

/**
 * The telephone side, wired: SIP transport, digest guard, registrar, message-waiting lights and
 * voicemail calls on one SipServer. Gives the port it listens on and how to stop it.
 */
export async function startSipSide(
  d: SipSideDeps,
): Promise<{ port: number; close(): Promise<void> }> {
  const { config, logger, directory, messages, bus, intake, greetings, media, nonceKey, metrics } =
    d;
  const mailboxService = d.mailbox;
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
  const ownerOf = async (address: string): Promise<MailboxOwner | null> => {
    const r = await directory.resolve(address).catch(() => null);
    if (r?.kind !== 'local' || r.target.kind !== 'existing') return null;
    const s = await directory.lookup(r.target.subscriberId);
    return s ? { subscriberId: s.id, language: s.language, timeZone: s.timeZone } : null;
  };
  const spokenTexts = new Map<string, Promise<Int16Array>>();
  const speak = (text: string, language: string): Promise<Int16Array> => {
    const key = `${language}|${text}`;
    let made = spokenTexts.get(key);
    if (!made) {
      made = media
        .convert(Buffer.from(text, 'utf8'), 'text/plain', 'audio/wav;rate=8000', { language })
        .then((r) => wavSamples(r.content));
      made.catch(() => spokenTexts.delete(key));
      // Counts and envelopes repeat; a few hundred phrases are kept, the oldest go first.
      if (spokenTexts.size >= 500) spokenTexts.delete(spokenTexts.keys().next().value!);
      spokenTexts.set(key, made);
    }
    return made;
  };
  /** The part the phone plays: the recording, else the text read aloud (a rendition, kept). */
  const playable = (message: Message) =>
    message.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith('audio/')) ??
    message.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith('text/plain')) ??
    message.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith('text/html'));
  const retrieval: RetrievalServices = {
    mailboxByNumber: (digits) =>
      /^[0-9]{3,15}$/.test(digits) ? ownerOf(`tel:+${digits}`) : Promise.resolve(null),
    checkPin: (subscriberId, pin) =>
      directory.checkPin(subscriberId, pin, {
        max: config.pinMaxFailures,
        lockoutMs: config.pinLockoutSeconds * 1000,
      }),
    // Oldest first, as phone mailboxes play them.
    messages: async (subscriberId, folder) =>
      (await mailboxService.list(subscriberId, { folder, limit: 200 })).reverse(),
    audio: async (owner, message) => {
      const part = playable(message);
      if (!part) return new Int16Array(0);
      const made = await mailboxService.rendition(
        owner.subscriberId,
        message.id,
        part.index,
        'audio/wav;rate=8000',
        owner.language,
      );
      return wavSamples(made.content);
    },
    move: async (subscriberId, id, folder) => {
      await mailboxService.update(subscriberId, id, { folder });
    },
    markRead: async (subscriberId, id) => {
      await mailboxService.update(subscriberId, id, { read: true });
    },
    trash: async (subscriberId, id) => {
      await mailboxService.delete(subscriberId, id);
    },
    forward: async (owner, message, to, comment) => {
      const [from, target] = await Promise.all([
        directory.lookup(owner.subscriberId),
        directory.lookup(to.subscriberId),
      ]);
      if (!from || !target) throw new Error('the subscriber is gone');
      const originals = message.parts.filter((p) => p.derivedFrom === null);
      let parts = await Promise.all(
        originals.map(async (p) => ({
          contentType: p.contentType,
          filename: p.filename,
          content: (await mailboxService.part(owner.subscriberId, message.id, p.index)).content,
        })),
      );
      let durationMs = message.durationMs;
      if (comment) {
        const audio = parts.find((p) => p.contentType.startsWith('audio/'));
        if (message.type === 'voice' && audio) {
          // One recording, the comment and then the message, as a caller would hear it.
          const made = await mailboxService.rendition(
            owner.subscriberId,
            message.id,
            originals.find((p) => p.contentType.startsWith('audio/'))!.index,
            'audio/wav;rate=8000',
          );
          const joined = concatPcm(comment, wavSamples(made.content));
          parts = [
            { contentType: 'audio/wav', filename: 'forwarded.wav', content: pcmWav(joined) },
            ...parts.filter((p) => p !== audio),
          ];
          durationMs = Math.round(joined.length / 8);
        } else
          parts = [
            { contentType: 'audio/wav', filename: 'comment.wav', content: pcmWav(comment) },
            ...parts,
          ];
      }
      await intake.ingest(
        {
          type: message.type,
          from: from.addresses[0]!,
          to: [target.addresses[0]!],
          subject: `Fwd: ${message.subject ?? ''}`.trim(),
          senderId: owner.subscriberId,
          durationMs,
          pages: message.pages,
        },
        parts,
      );
    },
    saveGreeting: async (owner, kind, pcm) => {
      await greetings.record(owner.subscriberId, kind, 'audio/wav', pcmWav(pcm));
    },
    setPin: async (owner, pin) => {
      await directory.update(owner.subscriberId, { pin });
    },
    prompt,
    speak,
    transactions: sip.transactions,
    local: () => sip.local(),
    defaultLanguage: config.defaultLanguage,
    log: (event, detail) => logger.info(detail, event),
  };
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
  metrics.sources.activeCalls = () => voicemail.active;
  sip.handle('INVITE', (request, peer) => voicemail.invite(request, peer));
  sip.handle('CANCEL', (request, peer) => voicemail.cancel(request, peer));
  sip.handle('NOTIFY', (request, peer) => voicemail.notify(request, peer));
  // Made now rather than during the first call, where the caller would wait through it.
  for (const id of ['unavailable', 'busy', 'review-menu'] as const)
    void prompt(id, config.defaultLanguage).catch((err: unknown) =>
      logger.warn({ err, prompt: id }, 'a spoken prompt could not be made'),
    );
  sip.onAck((request) => voicemail.ack(request));
  sip.handle('BYE', (request, peer) => voicemail.bye(request, peer));
  const sipPort = await sip.listen();
  return {
    port: sipPort,
    async close() {
      messageWaiting.close();
      await sip.close();
    },
  };
}
