import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators: query strings, path parameters and headers arrive as text, so they are coerced
 * to the schema's types ("50" → 50); JSON bodies are already typed, so they are taken exactly as
 * sent: a string where an array belongs, or a field nobody defined, is an error, not a guess.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const common: Options = {
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  };
  const exact = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  for (const ajv of [exact, coercing]) addFormats.default(ajv);
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? exact : coercing).compile(schema as object);
}
