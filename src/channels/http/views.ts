import type { Message } from '../../core/message.js';
import type { Subscriber } from '../../core/subscriber.js';

/** The API's view of a message: the mailbox id is implied by the session. */
export function publicMessage(message: Message): Omit<Message, 'mailboxId'> {
  const { mailboxId: _mailboxId, ...rest } = message;
  return rest;
}

export function publicSubscriber(subscriber: Subscriber): Subscriber {
  return subscriber;
}
