/**
 * SMS that an application submitted through Switchboard's SMPP server carry this mark in the
 * message's `authResults` (stored as `auth_results`, shown by the API), in the form of an RFC 8601
 * Authentication-Results value: `switchboard; smpp-application=<system_id>`. Whatever reads
 * arriving SMS as commands (the reply commands answering a notice) must skip marked messages:
 * an application speaks for itself, never for a subscriber answering a notice.
 */
const METHOD = 'smpp-application';

export function applicationMark(systemId: string): string {
  return `switchboard; ${METHOD}=${systemId}`;
}

/** The system_id of the application that submitted the message, or null for any other. */
export function submittingApplication(authResults: string | null | undefined): string | null {
  if (!authResults) return null;
  const match = new RegExp(`(?:^|;)\\s*${METHOD}=([^;\\s]+)`).exec(authResults);
  return match?.[1] ?? null;
}
