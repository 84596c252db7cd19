/**
 * Domain errors carry a kind; each channel maps the kind to its own protocol answer (HTTP status,
 * SMTP reply code, SIP response), the way smtp-server errors carry a responseCode.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'no-mailbox'
  | 'quota-exceeded'
  | 'too-large'
  | 'unsupported-media-type'
  | 'not-acceptable'
  | 'unavailable';

export class SwitchboardError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Extra facts for the client, e.g. which recipient was refused. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SwitchboardError';
  }
}

export const invalid = (message: string, details?: Record<string, unknown>) =>
  new SwitchboardError('invalid', message, details);
export const notFound = (message: string) => new SwitchboardError('not-found', message);
export const forbidden = (message: string) => new SwitchboardError('forbidden', message);
export const unauthorized = (message: string) => new SwitchboardError('unauthorized', message);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new SwitchboardError('conflict', message, details);

export function isSwitchboardError(err: unknown): err is SwitchboardError {
  return err instanceof SwitchboardError;
}
