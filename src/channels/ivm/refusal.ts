import type { ErrorCode } from './protocol/message-object.js';

/** A client frame refused with a protocol error code; the frame changed nothing. */
export class Refusal extends Error {
  constructor(
    readonly code: ErrorCode | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}
