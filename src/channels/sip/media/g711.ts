import alawmulaw from 'alawmulaw';

/** G.711 by its SDP name: PCMU (µ-law) or PCMA (A-law), 8 kHz, one byte a sample. */
export interface G711 {
  name: 'PCMU' | 'PCMA';
  encode(pcm: Int16Array): Buffer;
  decode(payload: Buffer): Int16Array;
}

export function g711(name: string): G711 {
  const codec = name.toUpperCase() === 'PCMA' ? alawmulaw.alaw : alawmulaw.mulaw;
  return {
    name: name.toUpperCase() === 'PCMA' ? 'PCMA' : 'PCMU',
    encode: (pcm) => Buffer.from(codec.encode(pcm)),
    decode: (payload) => codec.decode(new Uint8Array(payload)),
  };
}
