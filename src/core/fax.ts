/**
 * A fax terminal: one T.30 session (send or receive) over a call's 8 kHz audio. The engine is
 * spandsp in a helper process (docs/fax.md); channels see only this port, and app/ wires it.
 */

/** How a fax session went so far, or how it ended. */
export interface FaxProgress {
  /** Whole pages sent or received. */
  pages: number;
  /** The far end's station id (T.30 TSI or CSI), as it sent it; '' when none came. */
  remoteId: string;
  bitRate: number;
  ecm: boolean;
}

export interface FaxOutcome extends FaxProgress {
  /** T.30 ended with every page confirmed. */
  ok: boolean;
  /**
   * Why it ended: spandsp's phase E text ("OK", "Unexpected DCN while waiting for image data",
   * ...), or what happened to the engine ("the fax engine crashed (signal SIGSEGV)", "the fax
   * engine stopped responding").
   */
  status: string;
  /** The engine itself failed (crashed, hung, could not start), as opposed to T.30 ending. */
  engineFailed: boolean;
}

export interface FaxSessionOptions {
  /** Our station id (up to 20 characters: digits, +, space). */
  ident: string;
  /** Each 20 ms frame to send to the far end, as it is made (paced by the engine's clock). */
  send(pcm: Int16Array): void;
  /** After each whole page. */
  page?(progress: FaxProgress): void;
  /** Error correction mode (T.30 Annex A); on unless turned off. */
  ecm?: boolean;
}

export interface FaxSession {
  /** The far end's audio, in chunks of any length. */
  hear(pcm: Int16Array): void;
  /** The call is over: T.30 is ended where it stands and the file closed. */
  stop(): void;
  /** Resolves once the engine is done and the file is complete (never rejects). */
  readonly done: Promise<FaxOutcome>;
}

export interface FaxEngine {
  /** Receives into a multi-page TIFF F at `file`. */
  receive(file: string, options: FaxSessionOptions): FaxSession;
  /** Sends the TIFF F at `file`. */
  send(file: string, options: FaxSessionOptions): FaxSession;
}

/**
 * T.38 (fax over IP): the same T.30 session, carried as IFP packets instead of audio. The
 * caller frames them in UDPTL; the engine sees only packets and their sequence numbers.
 */
export interface T38SessionOptions {
  /** Our station id (up to 20 characters: digits, +, space). */
  ident: string;
  /** Each IFP packet to send to the far end, as it is made (paced by the engine's clock). */
  sendIfp(packet: Buffer): void;
  /** After each whole page. */
  page?(progress: FaxProgress): void;
  /** Error correction mode (T.30 Annex A); on unless turned off. */
  ecm?: boolean;
}

export interface T38Session {
  /** An IFP packet from the far end, in sequence order, with its UDPTL sequence number. */
  ifp(seq: number, packet: Buffer): void;
  /** The call is over: T.30 is ended where it stands and the file closed. */
  stop(): void;
  /** Resolves once the engine is done and the file is complete (never rejects). */
  readonly done: Promise<FaxOutcome>;
}

export interface T38FaxEngine {
  /** Receives into a multi-page TIFF F at `file`. */
  receiveT38(file: string, options: T38SessionOptions): T38Session;
  /** Sends the TIFF F at `file`. */
  sendT38(file: string, options: T38SessionOptions): T38Session;
}
