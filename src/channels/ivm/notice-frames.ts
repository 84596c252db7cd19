import type { BusEvent } from '../../core/ports.js';
import { serverFrame } from './protocol/message-object.js';

/**
 * The text frame a device is sent for a bus event about its subscriber: a live post announced,
 * the end of a live stream, a contact's presence, a contact request or removal, a message
 * played on another device, a stored message's treated audio. Null for events that are not notices (frames, stored posts,
 * receipts: the connection handles those, with its own bookkeeping).
 */
export function noticeFrame(event: BusEvent, address: string): string | null {
  switch (event.type) {
    case 'live':
      return serverFrame('post', {
        id: event.id as string,
        source: event.source as string,
        destination: event.destination as string,
        object: {
          live: true,
          stream: event.stream,
          mode: 'intercom',
          codec: 'opus',
          sampleRate: 48000,
          channels: 1,
          frameMs: 20,
          name: event.name,
          subject: event.subject ?? null,
        },
      });
    case 'end':
      return serverFrame('control', { object: { command: 'end', stream: event.stream } });
    case 'status':
      return serverFrame('status', {
        source: event.source as string,
        destination: address,
        object: { status: event.status, since: event.since },
      });
    case 'subscribe':
      return serverFrame('subscribe', {
        source: event.source as string,
        destination: address,
        object: { state: event.state, name: event.name, status: event.status },
      });
    case 'unsubscribe':
      return serverFrame('unsubscribe', {
        source: event.source as string,
        destination: address,
        object: {},
      });
    case 'played':
      return serverFrame('control', {
        destination: address,
        object: { command: 'played', message: event.message },
      });
    case 'treated': {
      // Not a second `post`: a device replaces the audio and waveform of the message it holds,
      // acknowledges nothing, and ignores it for a message it does not hold.
      const view = event.view as { id: string; audio: string; waveform: number[] };
      return serverFrame('control', {
        source: event.source as string,
        destination: address,
        object: {
          command: 'treated',
          message: view.id,
          audio: view.audio,
          waveform: view.waveform,
        },
      });
    }
    default:
      return null;
  }
}
