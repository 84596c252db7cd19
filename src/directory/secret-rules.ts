import { invalid } from '../core/errors.js';

/** Minimum strength rules, explicit so that the API can tell the user what to change. */
export function checkPassword(password: string): void {
  if (password.length < 8) throw invalid('the password must have at least 8 characters');
  if (password.length > 256) throw invalid('the password must have at most 256 characters');
}

export function checkPin(pin: string): void {
  if (!/^[0-9]{4,12}$/.test(pin)) throw invalid('the PIN must be 4 to 12 digits');
}

export function checkSipSecret(secret: string): void {
  if (secret.length < 8 || secret.length > 128)
    throw invalid('the SIP secret must have 8 to 128 characters');
}
