import type { RtpSession } from './rtp-session.js';

/**
 * Connects two calls' audio (the call-back of the retrieval menu: the subscriber's call and the
 * one placed to the sender): each packet heard on one side, decoded, is sent to the other at
 * once. The arrival of packets keeps the time, so nothing is buffered or paced here; each side
 * encodes with its own codec, so a PCMU call and a PCMA call can be joined. Digits are not
 * relayed: the side that owns the bridge listens for them to end it. Gives the function that
 * takes the bridge down again (the calls themselves stay up).
 */
export function bridge(a: RtpSession, b: RtpSession): () => void {
  const stopA = a.onAudio((pcm) => b.send(pcm));
  const stopB = b.onAudio((pcm) => a.send(pcm));
  return () => {
    stopA();
    stopB();
  };
}
