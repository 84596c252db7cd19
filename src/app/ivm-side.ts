import { mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TreatedRecording } from '../channels/ivm/ivm-deps.js';
import { Messenger } from '../channels/ivm/messenger.js';
import { registerIvmRoute } from '../channels/ivm/route.js';
import type { Config } from '../config/config.js';
import type { MailboxService } from '../core/mailbox.js';
import type { BlobStore, Bus, MessageStore } from '../core/ports.js';
import type { Directory } from '../directory/directory.js';
import type { Intake } from '../intake/intake.js';
import { safeEqual } from '../lib/hash.js';
import { Semaphore } from '../lib/semaphore.js';
import { peaksOf } from '../media/converters/waveform.js';
import { OpusMeasurer } from '../media/opus-measure.js';
import { FFMPEG_QUIET, runTool } from '../media/run-tool.js';
import { readWav, samplesOf } from '../media/wav.js';
import type { DatabaseHandle } from '../store/database.js';
import { IvmRepository } from '../store/ivm-repository.js';
import type { Metrics } from './metrics.js';

const TREATED_TYPE = 'audio/ogg;codecs=opus';
/** Seed 002's voice treatment (as enhanceVoice): FFT denoiser, then EBU R128 loudness to -16 LUFS. */
const VOICE_FILTER = 'afftdn=nf=-25,loudnorm=I=-16:TP=-1.5:LRA=11';
/** The treatment runs in the background, below the server's own priority. */
const TREATMENT_NICENESS = 10;
/** The treated waveform is drawn from 8 kHz mono: plenty for 200 bars, cheap to read. */
const WAVE_RATE = 8000;

/**
 * The treatment of a stored recording's spool file, by ffmpeg: denoised, loudness-normalised and
 * re-encoded as Ogg Opus, its waveform drawn from the same run. It runs after the packets as
 * sent are stored (they are measured in the process), so it is off the delivery path; a failure
 * throws and the message stays as sent.
 */
function recordingTreatment(
  timeoutMs: number,
  pool: Semaphore,
): (file: string) => Promise<TreatedRecording> {
  return async (file) => {
    const wav = `${file}.wav`;
    const treated = `${file}.treated.ogg`;
    try {
      await pool.run(() =>
        runTool(
          'ffmpeg',
          [
            ...FFMPEG_QUIET,
            '-i',
            file,
            '-filter_complex',
            `[0:a]${VOICE_FILTER},asplit=2[store][wave]`,
            '-map',
            '[store]',
            '-ar',
            '48000',
            '-ac',
            '1',
            '-c:a',
            'libopus',
            '-b:a',
            '32k',
            '-application',
            'voip',
            '-f',
            'ogg',
            treated,
            '-map',
            '[wave]',
            '-ar',
            String(WAVE_RATE),
            '-ac',
            '1',
            '-c:a',
            'pcm_s16le',
            wav,
          ],
          // Off the delivery path: it yields the CPU to storing and delivering messages.
          { timeoutMs, nice: TREATMENT_NICENESS },
        ),
      );
      const decoded = readWav(await readFile(wav));
      const samples = decoded ? samplesOf(decoded.data) : new Int16Array(0);
      return {
        audio: await readFile(treated),
        contentType: TREATED_TYPE,
        waveform: samples.length > 0 ? peaksOf(samples) : [],
      };
    } finally {
      await rm(wav, { force: true });
      await rm(treated, { force: true });
    }
  };
}

export interface IvmSideDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  database: DatabaseHandle;
  directory: Directory;
  intake: Intake;
  messages: MessageStore;
  blobs: BlobStore;
  mailbox: MailboxService;
  bus: Bus;
}

/** The voice messenger wired: its store, measurement and treatment, metrics, and its WebSocket route. */
export async function startIvmSide(deps: IvmSideDeps, http: FastifyInstance): Promise<Messenger> {
  const { config, logger, metrics } = deps;
  // Every frame to every listener is counted: tens of thousands a second, so counted here and
  // added to the metric once a second.
  const relayed = metrics.ivmFrames.labels('relayed');
  let relayedNow = 0;
  setInterval(() => {
    relayed.inc(relayedNow);
    relayedNow = 0;
  }, 1000).unref();
  const spoolDir = join(config.dataDir, 'ivm-spool');
  // Spool files left by a crash are half-recorded streams nobody was told were stored.
  await rm(spoolDir, { recursive: true, force: true });
  mkdirSync(spoolDir, { recursive: true });
  const measurer = new OpusMeasurer();
  const messenger = new Messenger({
    store: new IvmRepository(deps.database.db, deps.database.reader),
    directory: deps.directory,
    intake: deps.intake,
    messages: deps.messages,
    blobs: deps.blobs,
    mailbox: deps.mailbox,
    bus: deps.bus,
    measurer,
    treat: config.ivmEnhance
      ? recordingTreatment(
          config.mediaTimeoutMs,
          new Semaphore(Math.max(1, config.mediaConcurrency)),
        )
      : null,
    spoolDir,
    domain: config.domains[0] ?? 'localhost',
    isAdminToken: (token) => config.adminToken !== null && safeEqual(token, config.adminToken),
    limits: {
      maxFrameBytes: config.ivmMaxFrameBytes,
      maxSeconds: config.ivmMaxSeconds,
      controlPerSecond: config.ivmControlRate,
      audioFramesPerSecond: config.ivmAudioRate,
      heartbeatSeconds: config.ivmHeartbeatSeconds,
      slowListenerBytes: config.ivmSlowListenerBytes,
      connectTimeoutMs: 10_000,
    },
    observer: {
      connections: (delta) => metrics.ivmConnections.inc(delta),
      framesRelayed: (count) => (relayedNow += count),
      framesDropped: (reason, count) => metrics.ivmFrames.inc({ outcome: reason }, count),
      messagesStored: (count) => metrics.ivmMessagesStored.inc(count),
    },
    log: {
      info: (detail, msg) => logger.info(detail, msg),
      warn: (detail, msg) => logger.warn(detail, msg),
      error: (detail, msg) => logger.error(detail, msg),
    },
  });
  await registerIvmRoute(http, messenger);
  // After the route's preClose, which stores the posts being spoken and waits for treatments.
  http.addHook('onClose', async () => measurer.close());
  return messenger;
}
