import { createRequire } from 'node:module';

/**
 * The `smpp` package (v0.5, plain JavaScript, no types) as far as the server uses it: its PDU
 * definitions, parser and encoder. Its Session is not used on the server side: it decodes
 * short_message into text with its own GSM table (unknown octets become spaces) before anyone
 * sees the bytes, and stops reading a connection for good after one unparsable PDU. We frame
 * the stream ourselves and decode the text with `protocol/short-message.ts`.
 */
interface PackagePdu {
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  toBuffer(): Buffer;
  [field: string]: unknown;
}
interface SmppPackage {
  PDU: {
    new (command: string, options?: Record<string, unknown>): PackagePdu;
    prototype: PackagePdu & { fromBuffer(buffer: Buffer): void };
    maxLength: number;
  };
  errors: Record<string, number>;
}

const smpp = createRequire(import.meta.url)('smpp') as SmppPackage;

/** The package refuses longer PDUs; the framing refuses them first, with a generic_nack. */
export const MAX_PDU_BYTES = smpp.PDU.maxLength;
export const HEADER_BYTES = 16;

/** A received PDU: header fields, then the command's parameters and TLVs by their SMPP names. */
export interface Pdu {
  /** The command name (`submit_sm`), or `unknown` for a command_id SMPP 3.4 lacks. */
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  [field: string]: unknown;
}

/** command_status values used here (SMPP 3.4 5.1.3). */
export const Status = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RMSGQFUL: 0x14,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RTHROTTLED: 0x58,
  ESME_RINVESMCLASS: 0x43,
  ESME_RINVDCS: 0x104,
} as const;

const statusNames = new Map(Object.entries(smpp.errors).map(([name, code]) => [code, name]));

/** `ESME_RTHROTTLED` for 0x58, for logs. */
export function statusName(status: number): string {
  return statusNames.get(status) ?? `0x${status.toString(16)}`;
}

export function isResponse(pdu: Pdu): boolean {
  return (pdu.command_id & 0x80000000) !== 0;
}

/**
 * One whole PDU (its length already checked by the framing) as fields, with short_message and
 * message_payload left as bytes: the package's decoding filters are skipped. Throws for a body
 * that cannot be read (the caller answers generic_nack).
 */
export function decodePdu(frame: Buffer): Pdu {
  const pdu = Object.create(smpp.PDU.prototype) as PackagePdu;
  Object.defineProperty(pdu, '_filter', { value: () => {}, enumerable: false });
  smpp.PDU.prototype.fromBuffer.call(pdu, frame);
  return pdu;
}

/** A PDU's bytes; an error status gives the header alone, as SMPP 3.4 allows. */
export function encodePdu(
  command: string,
  sequence: number,
  fields: Record<string, unknown> = {},
  status: number = Status.ESME_ROK,
): Buffer {
  return new smpp.PDU(command, {
    ...fields,
    sequence_number: sequence,
    command_status: status,
  }).toBuffer();
}

/** The response to a request: `<command>_resp`, or generic_nack for a command we do not know. */
export function encodeResponse(
  request: Pick<Pdu, 'command' | 'sequence_number'>,
  status: number,
  fields: Record<string, unknown> = {},
): Buffer {
  const command = request.command === 'unknown' ? 'generic_nack' : `${request.command}_resp`;
  return encodePdu(command, request.sequence_number, fields, status);
}
