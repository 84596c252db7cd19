import type { Config } from '../config/config.js';
import { SwitchboardError } from '../core/errors.js';
import type { MediaConverter } from '../core/ports.js';
import { allConverters } from '../media/catalog.js';
import { ConversionError } from '../media/converter.js';
import { MediaService } from '../media/media-service.js';

export function createMediaService(config: Config): MediaService {
  return new MediaService(
    allConverters(),
    {
      timeoutMs: config.mediaTimeoutMs,
      maxInputBytes: config.mediaMaxInputBytes,
      maxOutputBytes: config.mediaMaxOutputBytes,
      maxPages: config.mediaMaxPages,
      maxAudioSeconds: config.mediaMaxAudioSeconds,
    },
    config.mediaConcurrency,
  );
}

const KINDS = {
  'no-route': 'not-acceptable',
  limit: 'too-large',
  'bad-input': 'invalid',
  tool: 'unavailable',
} as const;

/** The media service behind the core port: conversion failures become domain errors with the tool's reason. */
export function mediaPort(service: MediaService): MediaConverter {
  return {
    key: (format) => service.key(format),
    async convert(content, contentType, format, options) {
      try {
        return await service.convert(content, contentType, format, options);
      } catch (err) {
        if (err instanceof ConversionError)
          throw new SwitchboardError(KINDS[err.kind], err.message);
        throw err;
      }
    },
  };
}
