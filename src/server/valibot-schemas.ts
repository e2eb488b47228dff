import type { FastifySchemaCompiler } from 'fastify';
import type * as v from 'valibot';
import { parseWith } from '../core/protocol/index.ts';
import { HttpError } from './http-error.ts';

/**
 * Lets routes declare valibot schemas (`schema: { body, querystring, params }`), so the protocol's
 * schemas stay the one source of truth: Fastify runs them before the handler, a refusal is a typed
 * `invalid-input` (422) naming the field, and the handler gets the parsed, cleaned value.
 *
 * @example
 * ```ts
 * app.setValidatorCompiler(valibotCompiler);
 * app.post('/users', { schema: { body: CreateUserInputSchema } }, (request) => request.body);
 * ```
 */
export const valibotCompiler: FastifySchemaCompiler<v.GenericSchema> = ({ schema, httpPart }) => {
  return (data: unknown) => {
    const parsed = parseWith(schema, data);
    if (parsed.ok) return { value: parsed.value };
    const where = httpPart === 'body' || httpPart === undefined ? '' : `${httpPart === 'querystring' ? 'query' : httpPart} `;
    return { error: new HttpError('invalid-input', `${where}${parsed.reason}`) };
  };
};
