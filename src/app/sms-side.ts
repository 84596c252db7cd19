import type { Logger } from 'pino';
import { InboundSms } from '../channels/sms/inbound-sms.js';
import { SmsArrivals } from '../channels/sms/sms-arrivals.js';
import { SmsWebhooks } from '../channels/sms/sms-webhooks.js';
import { ReplyCommands, type ReplyingSubscriber } from '../channels/sms/reply-commands.js';
import { SMS_DEFAULTS, smsConfigProblem, type SmsConfig } from '../channels/sms/sms-config.js';
import { SmsResource } from '../channels/sms/sms-resource.js';
import { SmscLink } from '../channels/sms/smsc-link.js';
import type { DeliveryStore, ResourceStore } from '../core/delivery-ports.js';
import type { Resource } from '../core/delivery.js';
import type { MailboxService } from '../core/mailbox.js';
import type { Message } from '../core/message.js';
import type { Directory } from '../directory/directory.js';
import type { Intake } from '../intake/intake.js';
import { newId } from '../lib/ids.js';
import type { LateReports } from '../queue/late-reports.js';
import type { SmsRepository } from '../store/sms-repository.js';

export interface SmsSideDeps {
  logger: Logger;
  resources: Pick<ResourceStore, 'listResources' | 'resourceSecret'>;
  deliveries: Pick<DeliveryStore, 'enqueue'>;
  sms: SmsRepository;
  lateReports: Pick<LateReports, 'delivered' | 'failed'>;
  directory: Directory;
  intake: Intake;
  mailbox: MailboxService;
  wakeQueue(): void;
  reassemblyMs: number;
  /** How often the SMSC links are matched to the resources as they are now. */
  reconcileMs?: number;
  /** The largest webhook body an HTTP SMS provider may send. */
  webhookMaxBytes: number;
}

interface LiveLink {
  link: SmscLink;
  inbound: InboundSms;
  /** The settings it was made with: a change makes a new link. */
  fingerprint: string;
}

/**
 * The SMS network, wired: one SMPP bind per active SMPP `sms` resource (made, re-made when its
 * settings change, dropped when it is disabled or removed, checked every few seconds), the
 * outbound resource that submits through those binds or to HTTP providers, and what the SMSCs
 * deliver and the providers' webhooks bring: receipts to the queue, reply commands to the
 * mailbox, other SMS into the mailbox of the number they were sent to (never onward: an SMSC
 * cannot use us as a relay).
 */
export function startSmsSide(d: SmsSideDeps): {
  resource: SmsResource;
  webhooks: SmsWebhooks & { maxBodyBytes: number };
  close(): Promise<void>;
} {
  const { logger } = d;
  const log = (event: string, detail: object) => logger.info(detail, event);
  const live = new Map<string, LiveLink>();

  const subscriberByNumber = async (tel: string): Promise<ReplyingSubscriber | null> => {
    const r = await d.directory.resolve(tel).catch(() => null);
    if (r?.kind !== 'local' || r.target.kind !== 'existing') return null;
    const s = await d.directory.lookup(r.target.subscriberId);
    return s ? { id: s.id, language: s.language } : null;
  };
  const message = async (subscriberId: string, id: string): Promise<Message | null> => {
    const m = await d.mailbox.get(subscriberId, id).catch(() => null);
    return m && m.folder !== 'trash' ? m : null;
  };
  const queue = async (
    subscriber: ReplyingSubscriber,
    to: string,
    messageId: string,
    channel: 'sms' | 'voice',
    payload: Record<string, unknown>,
  ) => {
    await d.deliveries.enqueue([
      {
        id: newId(),
        recipient: to,
        priority: 'high',
        kind: 'notification',
        messageId,
        subscriberId: subscriber.id,
        messageType: channel === 'sms' ? 'sms' : 'voice',
        channel,
        scheduledAt: null,
        expiresAt: null,
        receipt: false,
        payload: { language: subscriber.language, ...payload },
      },
    ]);
    d.wakeQueue();
  };
  const replies = new ReplyCommands({
    subscriberByNumber,
    codes: d.sms,
    message,
    textOf: async (subscriber, m) => {
      const original = (prefix: string) =>
        m.parts.find((p) => p.derivedFrom === null && p.contentType.startsWith(prefix));
      const text = original('text/plain');
      if (text) return (await d.mailbox.part(subscriber.id, m.id, text.index)).content.toString();
      const audio = original('audio/');
      if (!audio) return null;
      const made = await d.mailbox.rendition(
        subscriber.id,
        m.id,
        audio.index,
        'text/plain',
        subscriber.language,
      );
      return made.content.toString('utf8');
    },
    save: async (subscriberId, id) => {
      await d.mailbox.update(subscriberId, id, { folder: 'saved' });
    },
    trash: async (subscriberId, id) => {
      await d.mailbox.delete(subscriberId, id);
    },
    sendSms: (subscriber, to, messageId, text) =>
      queue(subscriber, to, messageId, 'sms', { notice: 'sms-reply', text }),
    callAndPlay: (subscriber, to, messageId) =>
      queue(subscriber, to, messageId, 'voice', { notice: 'play-message' }),
    log,
  });
  const store = async (sms: { from: string; to: string; text: string }) => {
    const r = await d.directory.resolve(sms.to).catch(() => null);
    if (r?.kind !== 'local') return 'no-such-number' as const;
    await d.intake.ingest({ type: 'sms', from: sms.from, to: [sms.to] }, [
      { contentType: 'text/plain; charset=utf-8', content: Buffer.from(sms.text, 'utf8') },
    ]);
    return 'stored' as const;
  };

  const arrivals = (resource: Resource) =>
    new SmsArrivals(
      {
        resourceId: resource.id,
        resourceName: resource.name,
        sourceAddr: (resource.config as SmsConfig).sourceAddr ?? null,
      },
      {
        submissions: d.sms,
        reports: d.lateReports,
        replies,
        store,
        log: (event, detail) => log(event, { resource: resource.name, ...detail }),
      },
    );

  const open = async (resource: Resource): Promise<void> => {
    const config = resource.config as SmsConfig;
    const secret = (await d.resources.resourceSecret(resource.id)) ?? '';
    const fingerprint = JSON.stringify([config, secret]);
    const existing = live.get(resource.id);
    if (existing?.fingerprint === fingerprint) return;
    if (existing) await drop(resource.id);
    const inbound = new InboundSms(
      arrivals(resource),
      (event, detail) => log(event, { resource: resource.name, ...detail }),
      d.reassemblyMs,
    );
    const link = new SmscLink(
      {
        host: config.host!,
        port: config.port ?? SMS_DEFAULTS.port,
        systemId: config.systemId!,
        password: secret,
        systemType: config.systemType,
        window: config.window ?? SMS_DEFAULTS.window,
        enquireLinkMs: (config.enquireLinkSeconds ?? SMS_DEFAULTS.enquireLinkSeconds) * 1000,
        submitTimeoutMs: 30_000,
        reconnectBaseMs: 500,
        reconnectMaxMs: 30_000,
      },
      {
        deliver: (pdu) => inbound.deliver(pdu),
        log: (event, detail) => log(event, { resource: resource.name, ...detail }),
      },
    );
    live.set(resource.id, { link, inbound, fingerprint });
    link.start();
  };
  const drop = async (id: string) => {
    const gone = live.get(id);
    if (!gone) return;
    live.delete(id);
    gone.inbound.close();
    await gone.link.close();
  };
  const reconcile = async () => {
    const wanted = (await d.resources.listResources()).filter(
      (r) =>
        r.type === 'sms' &&
        r.status === 'A' &&
        smsConfigProblem(r.config) === null &&
        // An HTTP provider needs no link: each text is a request of its own.
        r.config.protocol !== 'http',
    );
    for (const r of wanted) await open(r);
    for (const id of [...live.keys()]) if (!wanted.some((r) => r.id === id)) await drop(id);
  };
  let reconciling: Promise<void> = Promise.resolve();
  const tick = () => {
    reconciling = reconciling
      .then(reconcile)
      .catch((err: unknown) =>
        logger.error({ err }, 'SMS links could not be matched to resources'),
      );
  };
  tick();
  const timer = setInterval(tick, d.reconcileMs ?? 3000);
  timer.unref();

  const resource = new SmsResource({
    link: (id) => {
      // A resource added a moment ago: bind it now rather than at the next check.
      if (!live.has(id)) tick();
      return live.get(id)?.link ?? null;
    },
    submissions: d.sms,
    log,
  });
  const webhooks = Object.assign(
    new SmsWebhooks({
      resource: async (ref) => {
        const r = (await d.resources.listResources()).find(
          (x) => x.type === 'sms' && (x.id === ref || x.name === ref),
        );
        return r ? { resource: r, secret: await d.resources.resourceSecret(r.id) } : null;
      },
      arrivals,
      warn: (event, detail) => logger.warn(detail, event),
      info: log,
    }),
    { maxBodyBytes: d.webhookMaxBytes },
  );
  return {
    resource,
    webhooks,
    async close() {
      clearInterval(timer);
      await reconciling;
      await Promise.all([...live.keys()].map(drop));
    },
  };
}
