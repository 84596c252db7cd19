/** Limits every conversion runs under; going past one stops it with a clear error. */
export interface ConversionLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  maxInputBytes: number;
  maxPages: number;
  maxAudioSeconds: number;
}

/** One edge of the conversion graph: a tool that turns one format into another. */
export interface Converter {
  /** Recorded on a rendition as the converter that made it. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** Relative effort; the planner minimises the sum along a chain. */
  readonly cost: number;
  /** Reads `input`, writes `output` (both files in a private temporary folder). */
  convert(input: string, output: string, context: ConversionContext): Promise<void>;
}

export interface ConversionContext {
  limits: ConversionLimits;
  /** Language for speech (BCP 47), e.g. from the subscriber's profile. */
  language: string;
  signal: AbortSignal;
  /** For page-wise outputs (a PNG of one page): which page, from 1. */
  page: number;
}

export class ConversionError extends Error {
  constructor(
    message: string,
    readonly kind: 'no-route' | 'limit' | 'bad-input' | 'tool' = 'tool',
  ) {
    super(message);
  }
}
