import { useEffect, useRef, useState } from 'preact/hooks';
import { clock } from '../../api';
import { MicrophoneError, startCapture, type Capture } from '../../ivm/capture';
import type { Messenger } from '../../ivm/messenger';
import type { Attachment, SendMode, Talk } from '../../ivm/outbox';
import { audioContext, decodeRecording } from '../../ivm/playback';
import { useI18n } from '../../i18n';
import { TalkButton } from './talk-button';

const FRAME_MS = 20;

function base64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * Talking to the recipients picked: live (intercom) when one of them is online, recorded
 * otherwise; the user may switch. A recording is reviewed before it goes: listen, record again,
 * delete, attach files, send.
 */
export function TalkPanel(props: { messenger: Messenger; destination: string[]; names: string }) {
  const { t } = useI18n();
  const { messenger, destination } = props;
  const online = messenger.anyoneOnline(destination);
  const [chosen, setChosen] = useState<SendMode | null>(null);
  const mode: SendMode = chosen ?? (online ? 'intercom' : 'record');
  const [talking, setTalking] = useState(false);
  const [level, setLevel] = useState(0);
  const [take, setTake] = useState<Uint8Array[] | null>(null);
  const [files, setFiles] = useState<File[]>([]);
  const [reviewing, setReviewing] = useState(false);
  /** The take's length as decoded for listening (what the recipients will hear). */
  const [reviewMs, setReviewMs] = useState<number | null>(null);
  const phase = useRef<'idle' | 'starting' | 'talking'>('idle');
  const stopWanted = useRef(false);
  const capture = useRef<Capture | null>(null);
  const talk = useRef<Talk | null>(null);
  const packets = useRef<Uint8Array[]>([]);
  const [packetCount, setPacketCount] = useState(0);

  // Leaving the screen mid-sentence ends the message rather than leaving the microphone on.
  useEffect(() => () => void stop(), []);

  const start = async () => {
    if (phase.current !== 'idle') return;
    if (!destination.length) {
      messenger.problem('noRecipient');
      return;
    }
    phase.current = 'starting';
    stopWanted.current = false;
    audioContext();
    packets.current = [];
    setPacketCount(0);
    setTake(null);
    setReviewMs(null);
    let live: Talk | null = null;
    const maxMs = (messenger.state.session?.limits?.maxSeconds ?? 300) * 1000;
    try {
      capture.current = await startCapture((packet) => {
        packets.current.push(packet);
        live?.push(packet);
        if (packets.current.length % 10 === 0) setPacketCount(packets.current.length);
        // The server ends longer messages; stopping here says so where the user looks.
        if (packets.current.length * FRAME_MS >= maxMs) void stop();
      }, setLevel);
    } catch (err) {
      phase.current = 'idle';
      messenger.problem(err instanceof MicrophoneError ? `mic-${err.problem}` : 'mic-blocked');
      return;
    }
    // The message starts once the microphone is ours: a refused microphone sends nothing.
    if (mode === 'intercom') {
      live = messenger.talk(destination, 'intercom');
      for (const packet of packets.current) live.push(packet);
    }
    talk.current = live;
    phase.current = 'talking';
    setTalking(true);
    if (stopWanted.current) await stop();
  };

  const stop = async () => {
    if (phase.current === 'starting') {
      stopWanted.current = true;
      return;
    }
    if (phase.current !== 'talking') return;
    phase.current = 'idle';
    setTalking(false);
    await capture.current?.stop();
    capture.current = null;
    setPacketCount(packets.current.length);
    if (packets.current.length === 0) messenger.problem('tooShort');
    if (talk.current) {
      talk.current.finish();
      talk.current = null;
    } else if (packets.current.length) {
      setTake(packets.current);
    }
  };

  const review = async () => {
    if (!take?.length) return;
    setReviewing(true);
    try {
      const buffer = await decodeRecording(take);
      setReviewMs(Math.round(buffer.duration * 1000));
      const context = audioContext();
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      source.onended = () => setReviewing(false);
      source.start();
    } catch {
      setReviewing(false);
    }
  };

  const send = async () => {
    if (!take?.length) return;
    if (!destination.length) {
      messenger.problem('noRecipient');
      return;
    }
    let attachments: Attachment[] = [];
    try {
      attachments = await Promise.all(
        files.map(async (f) => ({
          filename: f.name,
          contentType: f.type || 'application/octet-stream',
          content: await base64(f),
        })),
      );
    } catch {
      messenger.problem('file-unreadable');
      return;
    }
    const limit = messenger.state.session?.limits?.maxFrameBytes;
    const size = attachments.reduce((n, a) => n + a.content.length, 0);
    if (limit && size > limit - 4096) {
      messenger.problem('too-large');
      return;
    }
    messenger.sendRecording(destination, take, attachments);
    setTake(null);
    setFiles([]);
  };

  const discard = () => {
    setTake(null);
    setFiles([]);
  };

  return (
    <section class="ivm-talk" aria-label={t('ivm.talk')} data-mode={mode}>
      <p class="ivm-to">
        {destination.length ? t('ivm.to', { names: props.names }) : t('ivm.pickSomeone')}
      </p>
      <fieldset class="ivm-mode">
        <legend>{t('ivm.mode')}</legend>
        {(['intercom', 'record'] as const).map((m) => (
          <label>
            <input
              type="radio"
              name="ivm-mode"
              value={m}
              checked={mode === m}
              disabled={talking}
              onChange={() => setChosen(m)}
            />
            {t(`ivm.mode.${m}`)}
          </label>
        ))}
        {chosen && (
          <button type="button" class="link" onClick={() => setChosen(null)}>
            {t('ivm.mode.auto')}
          </button>
        )}
      </fieldset>
      <p class="muted ivm-hint">
        {mode === 'intercom' ? t('ivm.mode.intercomHint') : t('ivm.mode.recordHint')}
      </p>
      {!take && (
        <div class="ivm-talk-row">
          <TalkButton
            talking={talking}
            disabled={!destination.length}
            onStart={() => void start()}
            onStop={() => void stop()}
          />
          {talking && (
            <>
              <meter class="level" min={0} max={1} value={level} aria-label={t('recorder.level')} />
              <span class="time">{clock(packetCount * FRAME_MS)}</span>
            </>
          )}
        </div>
      )}
      {take && (
        <div class="ivm-review" data-packets={take.length} data-review-ms={reviewMs ?? undefined}>
          <p>{t('ivm.review', { length: clock(take.length * FRAME_MS) })}</p>
          <div class="ivm-talk-row">
            <button type="button" onClick={() => void review()} disabled={reviewing}>
              ▶ {t('ivm.listen')}
            </button>
            <button
              type="button"
              onClick={() => {
                discard();
                void start();
              }}
            >
              {t('recorder.again')}
            </button>
            <button type="button" onClick={discard}>
              {t('ivm.delete')}
            </button>
          </div>
          <label class="ivm-attach">
            {t('ivm.attach')}
            <input
              type="file"
              multiple
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                setFiles([...files, ...Array.from(input.files ?? [])]);
                input.value = '';
              }}
            />
          </label>
          {files.length > 0 && (
            <ul class="attached">
              {files.map((f) => (
                <li>
                  {f.name}{' '}
                  <button
                    type="button"
                    class="link"
                    onClick={() => setFiles(files.filter((x) => x !== f))}
                  >
                    {t('ivm.removeFile')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <button type="button" class="primary" onClick={() => void send()}>
            {t('ivm.send')}
          </button>
        </div>
      )}
    </section>
  );
}
