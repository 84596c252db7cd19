import type { IvmStore } from '../../core/ivm.js';
import type { MailboxService } from '../../core/mailbox.js';
import type { BlobStore, Bus, MessageStore } from '../../core/ports.js';
import type { Directory } from '../../directory/directory.js';
import type { Intake } from '../../intake/intake.js';

/** The server's limits for the messenger (SWITCHBOARD_IVM_*). */
export interface IvmLimits {
  maxFrameBytes: number;
  maxSeconds: number;
  controlPerSecond: number;
  audioFramesPerSecond: number;
  heartbeatSeconds: number;
  /** A listener whose unsent bytes exceed this misses live frames. */
  slowListenerBytes: number;
  /** No `connect` within this long closes the socket (4408). */
  connectTimeoutMs: number;
}

/** What the server measured of a recording (never taken from the client). */
export interface Measurement {
  durationMs: number;
  /** 200 peak levels, 0..1. */
  waveform: number[];
}

/** A finished recording after the server's treatment: the rendition added, and its waveform. */
export interface TreatedRecording {
  audio: Buffer;
  contentType: string;
  waveform: number[];
}

/** Counted for Prometheus by the app. */
export interface IvmObserver {
  connections(delta: number): void;
  framesRelayed(count: number): void;
  framesDropped(reason: 'slow-listener' | 'rate-limited' | 'out-of-order', count: number): void;
  messagesStored(count: number): void;
}

export interface IvmLog {
  info(detail: object, msg: string): void;
  warn(detail: object, msg: string): void;
  error(detail: object, msg: string): void;
}

/** What the voice messenger needs from the rest of Switchboard, handed in by the app. */
export interface IvmDeps {
  store: IvmStore;
  directory: Pick<Directory, 'lookup' | 'findByAddress' | 'authenticate'>;
  intake: Pick<Intake, 'ingest'>;
  messages: Pick<MessageStore, 'get' | 'addPart'>;
  blobs: Pick<BlobStore, 'stage'>;
  mailbox: Pick<MailboxService, 'update'>;
  bus: Bus;
  measurer: {
    /** Duration and waveform of a recording's Opus packets (`preSkip` in 48 kHz samples). */
    measure(packets: Buffer[], preSkip: number): Promise<Measurement>;
    /** Gets ready for measurements soon (a device is online), so that the first waits for nothing. */
    warm(): void;
  };
  /**
   * Denoises and loudness-normalises a finished Ogg Opus spool file (media converters), after
   * the packets as sent are stored; null when the treatment is off.
   */
  treat: ((file: string) => Promise<TreatedRecording>) | null;
  /** Where recordings are spooled while they arrive. */
  spoolDir: string;
  /** The domain of messenger addresses made for subscribers with no mail address. */
  domain: string;
  /** The admin token: refused here, the messenger is for subscribers. */
  isAdminToken(token: string): boolean;
  limits: IvmLimits;
  observer: IvmObserver;
  log: IvmLog;
}
