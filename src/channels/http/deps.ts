import type { Conversations } from '../../core/conversations.js';
import type { MailboxService } from '../../core/mailbox.js';
import type { CdrStore, DeliveryStore, ResourceStore } from '../../core/delivery-ports.js';
import type { Resource } from '../../core/delivery.js';
import type { BlobStore, Bus, MessageStore } from '../../core/ports.js';
import type { LinkSigner } from '../../lib/link-signer.js';
import type { Directory } from '../../directory/directory.js';
import type { Greetings } from '../../directory/greetings.js';
import type { SmppAccounts } from '../../directory/smpp-accounts.js';
import type { Intake } from '../../intake/intake.js';
import type { FaxCoverChoice } from '../../media/cover-page.js';
import type { Principal, PrincipalResolver } from './principal.js';

/** What the SMS network does with a provider's webhook (the app hands it in). */
export interface SmsWebhookHandler {
  /** The largest body taken, in bytes. */
  maxBodyBytes: number;
  /** Resolves with what became of it; throws domain errors (401 unsigned, 400 unreadable). */
  handle(call: {
    resource: string;
    kind: 'status' | 'inbound';
    contentType: string;
    body: Buffer;
    header(name: string): string | undefined;
    token: string | undefined;
    remote: string;
  }): Promise<{ status: 'accepted' | 'ignored' }>;
}

/** What the REST API needs from the rest of Switchboard, handed in by the composition root. */
export interface RestApiDeps {
  directory: Directory;
  /** The subscriber's greetings callers hear; audio in, normalized for telephony. */
  greetings: Greetings;
  intake: Intake;
  mailbox: MailboxService;
  /** SMS grouped by the other party, for the web app's conversations. */
  conversations: Pick<Conversations, 'list' | 'thread' | 'markRead'>;
  messages: MessageStore;
  bus: Bus;
  principals: PrincipalResolver;
  /** Seconds between keep-alive comments on the event stream. */
  eventHeartbeatSeconds: number;
  onEventClients?: (delta: number) => void;
  deliveries: DeliveryStore;
  resources: ResourceStore;
  cdrs: CdrStore;
  blobs: BlobStore;
  /** The queue worker of this node: woken by operator actions, shows busy channels. */
  queue: {
    wake(): void;
    bitmap(resource: Resource): string;
    implemented(type: string): boolean;
    /** What is wrong with a resource type's config (for a 400), or null; absent: nothing checked. */
    configProblem?(type: string, config: Record<string, unknown> | undefined): string | null;
  };
  links: LinkSigner;
  /** Applications' logins to the SMPP server. */
  smppAccounts: Pick<SmppAccounts, 'add' | 'list' | 'remove'>;
  /** What HTTP SMS providers' webhooks reach; absent: no webhook routes. */
  smsWebhooks?: SmsWebhookHandler;
  /**
   * A fax not sent yet rendered as the machine would get it (cover, documents), for the web
   * app's preview: the page count and the first pages as PNG. Absent: no preview route.
   */
  faxPreview?(fax: {
    documents: Array<{ contentType: string; content: Buffer }>;
    cover: FaxCoverChoice | null;
    recipient: string;
    senderName: string;
    subject: string | null;
    language: string;
    maxImages: number;
  }): Promise<{ pages: number; images: Buffer[] }>;
  /** The conversion graph: formats and converters. */
  formats(): { formats: readonly unknown[]; converters: unknown[] };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}
