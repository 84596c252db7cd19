import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { SMTPServer } from 'smtp-server';
import { principalResolver } from '../channels/http/principal.js';
import { LocalBus } from '../cluster/local-bus.js';
import type { Config } from '../config/config.js';
import { Conversations } from '../core/conversations.js';
import { MailboxService } from '../core/mailbox.js';
import type { IngestResult } from '../core/ingest.js';
import type { SubscriberProfile } from '../core/subscriber.js';
import { Directory } from '../directory/directory.js';
import { Greetings } from '../directory/greetings.js';
import { Intake } from '../intake/intake.js';
import { BlobVault } from '../store/blobs/blob-vault.js';
import { KeyRing, loadKeyRing } from '../store/blobs/key-ring.js';
import { DeliveryRepository, type SecretSealer } from '../store/delivery-repository.js';
import { GreetingRepository } from '../store/greeting-repository.js';
import { partLinkPath } from '../channels/http/routes/links.js';
import { WebhookResource } from '../channels/webhook/webhook-resource.js';
import { createSmtpInbound } from '../channels/email/smtp-inbound.js';
import { createSmtpSubmission } from '../channels/email/smtp-submission.js';
import { SmtpResource } from '../channels/email/smtp-resource.js';
import type { OutboundCalls } from '../channels/sip/calls/outbound-call.js';
import { wavSamples } from '../channels/sip/media/wav-file.js';
import { VoiceResource, voiceConfigProblem } from '../channels/sip/voice-resource.js';
import { FaxResource, faxConfigProblem } from '../channels/sip/fax-resource.js';
import { faxDocuments, faxEngine, faxPreview } from './fax.js';
import type { ComposeContext } from '../channels/email/mail-composer.js';
import { MailAuthenticator, parsePolicy } from '../channels/email/mail-auth.js';
import { dnsLookup } from '../lib/dns-resolver.js';
import { audioDurationMs } from '../media/duration.js';
import { BounceAddresses } from '../channels/email/bounce-address.js';
import { DsnReceiver } from '../channels/email/dsn.js';
import { MxResolver } from '../channels/email/mx-resolver.js';
import { TransportPool } from '../channels/email/transport-pool.js';
import { priceToMicros, type OutboundResource } from '../core/delivery.js';
import { open, seal } from '../lib/aead.js';
import { newId } from '../lib/ids.js';
import { LinkSigner } from '../lib/link-signer.js';
import { ReceiptWriter } from '../notify/receipts.js';
import { Dispatcher } from '../queue/dispatcher.js';
import { DialPolicy } from '../router/dial-policy.js';
import { LateReports } from '../queue/late-reports.js';
import { createHmac, createPrivateKey } from 'node:crypto';
import { hostname } from 'node:os';
import { migrate, openDatabase } from '../store/database.js';
import { MessageRepository } from '../store/message-repository.js';
import { SubscriberRepository } from '../store/subscriber-repository.js';
import { buildHttpServer } from './http-server.js';
import { callBackPlacer } from './call-back.js';
import { startSmsSide } from './sms-side.js';
import { RetentionSweep } from '../maintenance/retention-sweep.js';
import { smsConfigProblem } from '../channels/sms/sms-config.js';
import { MessageLinks } from '../notify/message-links.js';
import { SmsRepository } from '../store/sms-repository.js';
import { ConversationRepository } from '../store/conversation-repository.js';
import { startSipSide } from './sip-side.js';
import { createSmppSide } from './smpp-side.js';
import { createNoticesSide } from './notices-side.js';
import { createMediaService, mediaPort } from './media.js';
import { createMetrics } from './metrics.js';
import { startIvmSide } from './ivm-side.js';

export interface RunningServer {
  ports: { http: number; smtp: number; submission: number; sip: number; smpp: number };
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

const MAX_PARTS = 100;
/** Signed part links in webhooks stay valid this long. */
const LINK_LIFETIME_MS = 7 * 24 * 3600_000;

/** Resource secrets sealed with the active blob key, as `keyId:base64`. */
function secretSealer(keys: KeyRing): SecretSealer {
  return {
    seal: (plain) =>
      `${keys.activeId}:${seal(keys.active, Buffer.from(plain, 'utf8'), Buffer.from('resource-secret')).toString('base64')}`,
    open: (sealed) => {
      const i = sealed.indexOf(':');
      return open(
        keys.get(sealed.slice(0, i)),
        Buffer.from(sealed.slice(i + 1), 'base64'),
        Buffer.from('resource-secret'),
      ).toString('utf8');
    },
  };
}

/** The link-signing key, derived from the oldest blob key so that every node and every rotation agree. */
function linkKey(keys: KeyRing): Buffer {
  return createHmac('sha256', keys.get([...keys.ids()].sort()[0]!))
    .update('switchboard signed links v1')
    .digest();
}

/** The key of VERP bounce-address tags: from the link key, kept apart by its own label. */
function bounceKey(keys: KeyRing): Buffer {
  return createHmac('sha256', linkKey(keys)).update('switchboard bounce addresses v1').digest();
}

/** The outbound SMTP resource: MX lookups, pooled transports, VERP, the local DKIM key. */
function smtpResource(
  config: Config,
  bounces: BounceAddresses,
  compose: Pick<ComposeContext, 'sender' | 'speak'>,
): SmtpResource {
  const hostname = config.domains[0] ?? 'localhost';
  return new SmtpResource({
    hostname,
    compose: {
      ...compose,
      hostname,
      vpimDomains: config.vpimDomains.map((d) => d.toLowerCase()),
    },
    mx: new MxResolver({ servers: config.dnsServers }),
    transports: new TransportPool(),
    bounces,
    dkim:
      config.dkimSelector && config.dkimKeyFile
        ? {
            selector: config.dkimSelector,
            privateKey: dkimKey(config.dkimKeyFile),
            domains: config.domains,
          }
        : null,
  });
}

/** The DKIM key, checked at start-up: a bad one would otherwise fail every send, one by one. */
function dkimKey(file: string): string {
  try {
    const pem = readFileSync(file, 'utf8');
    if (createPrivateKey(pem).asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
    return pem;
  } catch (err) {
    throw new Error(`SWITCHBOARD_DKIM_KEY_FILE ${file}: ${(err as Error).message}`);
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** 0 in configuration means "no limit"; the store says that with null. */
const limitOrNull = (n: number): number | null => (n > 0 ? n : null);

export function defaultProfile(config: Config): SubscriberProfile {
  return {
    language: config.defaultLanguage,
    timeZone: config.defaultTimeZone,
    currency: config.defaultCurrency,
    quotaBytes: limitOrNull(config.defaultQuotaBytes),
    quotaMessages: limitOrNull(config.defaultQuotaMessages),
    retentionDays: limitOrNull(config.defaultRetentionDays),
  };
}

/** Listens and gives the port it got (0 in configuration picks a free one). */
async function listenSmtp(server: SMTPServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.server.address() as AddressInfo).port;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'switchboard' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/**
 * The composition root: opens the store, wires directory, intake and mailbox, starts the HTTP
 * server and writes the chosen ports to `<data dir>/ports.json`.
 */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config),
): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true });
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(database);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const keys = loadKeyRing(config.dataDir, config.blobKeys, config.blobKeyId);
  const blobs = new BlobVault(
    database.db,
    join(config.dataDir, 'blobs'),
    keys,
    config.inlineBlobMaxBytes,
    database.reader,
  );
  const subscribers = new SubscriberRepository(database.db, database.reader);
  const messages = new MessageRepository(database.db, database.dialect, database.reader);
  const bus = new LocalBus((topic, err) => logger.error({ err, topic }, 'bus handler failed'));
  const metrics = createMetrics();

  const directory = new Directory(subscribers, subscribers, {
    ownership: { domains: config.domains, numberRanges: config.numberRanges },
    dynamicMailboxes: config.dynamicMailboxes,
    defaultProfile: defaultProfile(config),
    sessionTtlHours: config.sessionTtlHours,
  });
  let wakeQueue = () => {};
  let transcribe: (result: IngestResult) => void = () => {};
  const media = createMediaService(config);
  const intake = new Intake(
    directory,
    messages,
    blobs,
    bus,
    {
      maxMessageBytes: config.maxMessageBytes,
      maxRecipients: config.maxRecipients,
      maxParts: MAX_PARTS,
    },
    {
      committed(count, seconds) {
        // New deliveries may have been committed: the queue looks now, not at its next poll.
        wakeQueue();
        metrics.messagesIngested.inc(count);
        metrics.commitBatch.observe(count);
        metrics.commitSeconds.observe(seconds);
      },
      refused(kind) {
        metrics.refused.inc({ kind });
      },
      stored(result, record) {
        if (config.transcribeVoice && ['voice', 'ivm'].includes(record.envelope.type))
          transcribe(result);
      },
    },
    async (contentType, content) =>
      audioDurationMs(
        'audio/wav',
        (await media.convert(content, contentType, 'audio/wav', {})).content,
      ),
  );
  const mailbox = new MailboxService(messages, blobs, bus, undefined, mediaPort(media));
  const greetings = new Greetings(
    new GreetingRepository(database.db, database.reader),
    blobs,
    mediaPort(media),
    { maxBytes: config.greetingMaxBytes, maxSeconds: config.greetingMaxSeconds },
  );
  /** Transcripts in the background, through the bounded conversion pool; a failure is logged, not fatal. */
  transcribe = (result) => {
    for (const copy of result.copies.filter((c) => c.folder !== 'sent'))
      void (async () => {
        const message = await messages.get(copy.mailboxId, copy.messageId);
        const audio = message?.parts.find(
          (p) => p.contentType.startsWith('audio/') && p.derivedFrom === null,
        );
        if (!audio) return;
        const owner = await directory.lookup(copy.mailboxId);
        await mailbox.rendition(
          copy.mailboxId,
          copy.messageId,
          audio.index,
          'text/plain',
          owner?.language ?? 'en',
        );
        logger.info({ message: copy.messageId }, 'voice message transcribed');
      })().catch((err: unknown) =>
        logger.warn({ err, message: copy.messageId }, 'transcription failed'),
      );
  };

  const deliveries = new DeliveryRepository(
    database.db,
    database.dialect,
    secretSealer(keys),
    database.reader,
  );
  const links = new LinkSigner(linkKey(keys));
  const messageLinks = new MessageLinks(
    createHmac('sha256', linkKey(keys)).update('message links').digest(),
    () => publicUrl,
    config.messageLinkSeconds * 1000,
  );
  const smsStore = new SmsRepository(database.db, database.reader);
  // Receipts from SMSCs end deliveries like DSNs do; the reports are wired further down.
  let lateReports: LateReports | null = null;
  const smsSide = startSmsSide({
    logger,
    resources: deliveries,
    deliveries,
    sms: smsStore,
    lateReports: {
      delivered: async (id) => (await lateReports?.delivered(id)) ?? false,
      failed: async (id, source, error) => (await lateReports?.failed(id, source, error)) ?? false,
    },
    directory,
    intake,
    mailbox,
    wakeQueue: () => wakeQueue(),
    reassemblyMs: config.smsReassemblySeconds * 1000,
    webhookMaxBytes: config.smsWebhookMaxBytes,
  });
  const smppSide = createSmppSide({ config, logger, database, directory, intake });
  const bounces = new BounceAddresses(bounceKey(keys), config.domains);
  const smtpOut = smtpResource(config, bounces, {
    sender: (id) => directory.lookup(id),
    speak: async (text, language, format) =>
      (await media.convert(Buffer.from(text, 'utf8'), 'text/plain', format, { language })).content,
  });
  let publicUrl = config.publicUrl ?? '';
  const receipts = new ReceiptWriter(
    directory,
    messages,
    intake,
    `mailto:postmaster@${config.domains[0] ?? 'localhost'}`,
  );
  const dialPolicy = new DialPolicy(
    {
      allowedPrefixes:
        config.dialAllowedPrefixes.length > 0 ? config.dialAllowedPrefixes : config.numberRanges,
      prefixesFromNumberRanges: config.dialAllowedPrefixes.length === 0,
      ownDomains: config.domains,
      allowedDomains: config.dialAllowedDomains,
      globalLimitMicros:
        config.dialGlobalSpendLimit === null
          ? null
          : priceToMicros(Number(config.dialGlobalSpendLimit)),
      currency: config.defaultCurrency,
      callResourceType: 'voice',
    },
    deliveries,
  );
  // The SIP side starts after the queue; until it is up, calls wait (the resource says retry).
  let outboundCalls: OutboundCalls | null = null;
  const voiceOut = new VoiceResource({
    calls: () => outboundCalls,
    policy: dialPolicy,
    sender: (id) => directory.lookup(id),
    speak: async (text, language) =>
      wavSamples(
        (
          await media.convert(Buffer.from(text, 'utf8'), 'text/plain', 'audio/wav;rate=8000', {
            language,
          })
        ).content,
      ),
    domain: config.domains[0] ?? 'localhost',
    log: (event, detail) => logger.info(detail, event),
  });
  const faxOut = new FaxResource({
    calls: () => outboundCalls,
    policy: dialPolicy,
    engine: faxEngine(config),
    ...(config.faxT38 ? { t38: faxEngine(config) } : {}),
    document: faxDocuments({ config, media, directory }),
    sender: (id) => directory.lookup(id),
    domain: config.domains[0] ?? 'localhost',
    log: (event, detail) => logger.info(detail, event),
  });
  const nodeName = `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  const dispatcher = new Dispatcher(
    {
      deliveries,
      resources: deliveries,
      cdrs: deliveries,
      messages,
      blobs,
      implementations: new Map<string, OutboundResource>([
        ['webhook', new WebhookResource()],
        ['smtp', smtpOut],
        ['voice', voiceOut],
        ['fax', faxOut],
        ['sms', smsSide.resource],
      ]),
      rendition: async (message, index, format) =>
        (await mailbox.rendition(message.mailboxId, message.id, index, format)).content,
      accountActive: async (id) => (await directory.lookup(id))?.status === 'active',
      receipt: (delivery, status, sent) => receipts.write(delivery, status, sent),
      messageLink: (messageId) => messageLinks.url(messageId),
      noticeCode: async (subscriberId, messageId) => {
        const code = await smsStore.issueNoticeCode(
          subscriberId,
          messageId,
          new Date().toISOString(),
        );
        return {
          code,
          call: config.messageLinkNumber ? `${config.messageLinkNumber}${code}` : null,
        };
      },
      partLink: (messageId, index) => {
        const path = partLinkPath(messageId, index);
        const expires = Date.now() + LINK_LIFETIME_MS;
        return `${publicUrl}${path}?expires=${expires}&sig=${links.sign(path, expires)}`;
      },
      observer: {
        finished(delivery, status, seconds) {
          smppSide.deliveryEnded(delivery.id, status);
          metrics.deliveriesFinished.inc({ status, kind: delivery.kind });
          metrics.deliverySeconds.observe({ status }, seconds);
          logger.info(
            {
              delivery: delivery.id,
              status,
              recipient: delivery.recipient,
              attempts: delivery.attempts,
            },
            'delivery ended',
          );
        },
        attempt(delivery, resource, outcome) {
          metrics.deliveryAttempts.inc({ resource: resource.name, result: outcome.result });
          if (outcome.result === 'sent' && outcome.detail)
            logger.info(
              { delivery: delivery.id, resource: resource.name, detail: outcome.detail },
              'delivery attempt sent',
            );
          if (outcome.result !== 'sent')
            logger.warn(
              {
                delivery: delivery.id,
                resource: resource.name,
                result: outcome.result,
                error: outcome.error,
              },
              'delivery attempt did not succeed',
            );
        },
        held(delivery, reason) {
          metrics.deliveriesHeld.inc();
          logger.error(
            { delivery: delivery.id, reason },
            'delivery held: no resource can carry it; add or enable one',
          );
        },
        resourceDisabled(resource, reason) {
          metrics.resourcesDisabled.inc({ resource: resource.name });
          logger.error({ resource: resource.name, reason }, 'resource taken out of service');
        },
        error(err, context) {
          logger.error({ err, context }, 'delivery queue error');
        },
      },
    },
    {
      owner: nodeName,
      leaseMs: config.deliveryLeaseSeconds * 1000,
      pollMs: config.deliveryPollMs,
      retryBaseMs: config.deliveryRetryBaseMs,
      retryMaxMs: config.deliveryRetryMaxMs,
      failureLimit: config.resourceFailureLimit,
      batch: config.deliveryBatch,
    },
  );
  metrics.sources.queueDepth = () => deliveries.countByStatus();

  const http = await buildHttpServer({
    config,
    logger,
    metrics,
    version: packageVersion(),
    ready: () => messages.ping(),
    messageLinks: { links: messageLinks, messages, mailbox },
    api: {
      directory,
      greetings,
      intake,
      mailbox,
      conversations: new Conversations(
        new ConversationRepository(database.reader, database.dialect),
        blobs,
        mailbox,
      ),
      messages,
      bus,
      principals: principalResolver(directory, config.adminToken),
      eventHeartbeatSeconds: 15,
      onEventClients: (delta) => metrics.eventClients.inc(delta),
      deliveries,
      resources: deliveries,
      cdrs: deliveries,
      blobs,
      queue: {
        wake: () => dispatcher.wake(),
        bitmap: (resource) => dispatcher.bitmap(resource),
        implemented: (type) => ['webhook', 'smtp', 'voice', 'fax', 'sms'].includes(type),
        configProblem: (type, config) =>
          type === 'voice'
            ? voiceConfigProblem(config)
            : type === 'fax'
              ? faxConfigProblem(config)
              : type === 'sms'
                ? smsConfigProblem(config)
                : null,
      },
      links,
      smppAccounts: smppSide.accounts,
      smsWebhooks: smsSide.webhooks,
      formats: () => media.graph(),
      faxPreview: faxPreview({ media: mediaPort(media) }),
    },
  });
  // The voice messenger's WebSocket joins the one HTTP server before it listens.
  await startIvmSide(
    { config, logger, metrics, database, directory, intake, messages, blobs, mailbox, bus },
    http,
  );
  await http.listen({ host: config.httpHost, port: config.httpPort });
  const port = (http.server.address() as AddressInfo).port;
  const scheme = config.tlsCert ? 'https' : 'http';
  const shownHost =
    config.httpHost === '0.0.0.0' || config.httpHost === '::' ? '127.0.0.1' : config.httpHost;
  const url = `${scheme}://${shownHost}:${port}`;
  publicUrl ||= url;
  wakeQueue = () => dispatcher.wake();
  dispatcher.start();
  const retention = new RetentionSweep(
    {
      messages,
      bus,
      log: (event, detail) => logger.info(detail, event),
      error: (err) => logger.error({ err }, 'retention sweep failed'),
    },
    Math.max(1, config.retentionSweepSeconds) * 1000,
  );
  retention.start();
  const notices = createNoticesSide({
    config,
    logger,
    db: database.db,
    directory,
    intake,
    messageLinks,
    webUrl: () => publicUrl,
    wakeQueue,
    owner: nodeName,
  });
  notices.start();
  const smtpOptions = {
    maxMessageBytes: config.maxMessageBytes,
    maxRecipients: config.maxRecipients,
    maxConnectionsPerIp: config.smtpMaxConnectionsPerIp,
    maxCommandsBeforeData: config.smtpMaxCommandsBeforeData,
    mime: {
      maxHeaderBytes: config.smtpMaxHeaderBytes,
      maxHeaderFields: config.smtpMaxHeaderFields,
      maxDepth: config.smtpMaxMimeDepth,
      maxParts: config.smtpMaxMimeParts,
    },
    hostname: config.domains[0] ?? 'localhost',
    domains: config.domains,
    logger,
    tls:
      config.tlsCert && config.tlsKey
        ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
        : undefined,
  };
  const mailAuth = new MailAuthenticator({
    policy: parsePolicy(config.mailAuthPolicy),
    trustedNetworks: config.mailTrustedNetworks,
    hostname: smtpOptions.hostname,
    lookup: dnsLookup(config.dnsServers),
  });
  lateReports = new LateReports({
    deliveries,
    receipt: (delivery, status) => receipts.write(delivery, status),
    failed(delivery) {
      // Not counted in deliveriesFinished again: it was counted when it ended as S.
      logger.info(
        { delivery: delivery.id, recipient: delivery.recipient, error: delivery.lastError },
        'delivery failed by a DSN',
      );
    },
    error: (err, context) => logger.error({ err, context }, 'DSN handling error'),
  });
  const smtp = createSmtpInbound(directory, intake, smtpOptions, {
    auth: mailAuth,
    dsn: new DsnReceiver(bounces, lateReports, logger),
  });
  const submission = createSmtpSubmission(directory, intake, smtpOptions);
  const sipSide = await startSipSide({
    config,
    logger,
    directory,
    messages,
    bus,
    intake,
    greetings,
    media,
    nonceKey: createHmac('sha256', linkKey(keys)).update('sip nonces').digest(),
    metrics,
    mailbox,
    dialPolicy,
    noticeCodes: smsStore,
    callBack: callBackPlacer({
      channels: dispatcher,
      policy: dialPolicy,
      calls: () => outboundCalls,
      cdrs: deliveries,
      directory,
      domain: config.domains[0] ?? 'localhost',
      maxSeconds: config.callBackMaxSeconds,
      logger,
    }),
  });
  outboundCalls = sipSide.outbound;
  const sipPort = sipSide.port;
  const smtpPort = await listenSmtp(smtp, config.smtpPort, config.httpHost);
  const submissionPort = await listenSmtp(submission, config.submissionPort, config.httpHost);
  const smppPort = await smppSide.listen();
  // Written whole and renamed into place: scripts waiting for the file never read half of it.
  const portsFile = join(config.dataDir, 'ports.json');
  await writeFile(
    `${portsFile}.tmp`,
    JSON.stringify(
      {
        http: port,
        smtp: smtpPort,
        submission: submissionPort,
        sip: sipPort,
        smpp: smppPort,
        url,
        pid: process.pid,
      },
      null,
      2,
    ) + '\n',
  );
  await rename(`${portsFile}.tmp`, portsFile);
  logger.info(
    { http: port, url, database: database.dialect, dataDir: config.dataDir },
    'switchboard is listening',
  );

  let closing: Promise<void> | null = null;
  return {
    ports: { http: port, smtp: smtpPort, submission: submissionPort, sip: sipPort, smpp: smppPort },
    url,
    logger,
    close() {
      closing ??= (async () => {
        // Stop claiming deliveries and taking requests; let in-flight work (and its commits)
        // finish, then close the store.
        await notices.stop();
        await dispatcher.stop();
        await retention.stop();
        await smsSide.close();
        smtpOut.close();
        await sipSide.close();
        await smppSide.close();
        await new Promise<void>((resolve) => smtp.close(() => resolve()));
        await new Promise<void>((resolve) => submission.close(() => resolve()));
        await http.close();
        await database.close();
        logger.info('switchboard stopped');
      })();
      return closing;
    },
  };
}
