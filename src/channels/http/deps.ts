import type { MailboxService } from '../../core/mailbox.js';
import type { Bus, MessageStore } from '../../core/ports.js';
import type { Directory } from '../../directory/directory.js';
import type { Intake } from '../../intake/intake.js';
import type { Principal, PrincipalResolver } from './principal.js';

/** What the REST API needs from the rest of Switchboard, handed in by the composition root. */
export interface RestApiDeps {
  directory: Directory;
  intake: Intake;
  mailbox: MailboxService;
  messages: MessageStore;
  bus: Bus;
  principals: PrincipalResolver;
  /** Seconds between keep-alive comments on the event stream. */
  eventHeartbeatSeconds: number;
  onEventClients?: (delta: number) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}
