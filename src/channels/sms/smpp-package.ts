import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';

/**
 * The parts of the `smpp` package (0.5, plain JavaScript without types) this channel uses. A PDU
 * carries its fields as properties named as in SMPP 3.4 (`command_status`, `short_message`,
 * TLVs by their names); `short_message` arrives decoded by the package as `{ udh?, message }`
 * (udh: one Buffer per information element) and is sent as given when it is a Buffer.
 */
export interface SmppPdu {
  command: string;
  command_status: number;
  sequence_number: number;
  [field: string]: unknown;
  response(options?: Record<string, unknown>): SmppPdu;
}

export interface SmppSession extends EventEmitter {
  send(pdu: SmppPdu, onResponse?: (pdu: SmppPdu) => void): boolean;
  close(callback?: () => void): void;
  destroy(callback?: () => void): void;
  socket: { writable: boolean; setKeepAlive?(on: boolean, delay: number): void };
  bind_transceiver(options: Record<string, unknown>, onResponse: (pdu: SmppPdu) => void): boolean;
  submit_sm(options: Record<string, unknown>, onResponse: (pdu: SmppPdu) => void): boolean;
  enquire_link(options: Record<string, unknown>, onResponse: (pdu: SmppPdu) => void): boolean;
  unbind(options: Record<string, unknown>, onResponse: (pdu: SmppPdu) => void): boolean;
}

interface SmppModule {
  connect(options: { host: string; port: number }): SmppSession;
}

/** Loaded on first use, so that importing this channel starts nothing. */
let loaded: SmppModule | null = null;
export function smppPackage(): SmppModule {
  loaded ??= createRequire(import.meta.url)('smpp') as SmppModule;
  return loaded;
}

/** SMPP 3.4 command_status values this channel sends or looks at (5.1.3). */
export const SMPP_STATUS = {
  ROK: 0x0000,
  RINVMSGLEN: 0x0001,
  RSYSERR: 0x0008,
  RMSGQFUL: 0x0014,
  RTHROTTLED: 0x0058,
  RX_T_APPN: 0x0064,
  RX_P_APPN: 0x0065,
} as const;
