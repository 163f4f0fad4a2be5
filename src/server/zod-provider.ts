import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifySchemaCompiler,
  FastifySerializerCompiler,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { z } from 'zod';
import { parseBody } from './status.js';

/**
 * Route schemas written in zod, the way fastify's type providers work: a route's `schema.body`, `params`,
 * `querystring` and `response` are zod types, handlers see the parsed types, and the OpenAPI document is generated
 * from the same schemas (openapi.ts). Our own small compiler pair rather than fastify-type-provider-zod, whose
 * peers (@fastify/swagger, openapi-types) would come in for a document we generate anyway, and whose failures are
 * not our Kubernetes Status with the body's paths (decision 0073).
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

/** A fastify scope whose route schemas are zod types (`app.withTypeProvider<ZodTypeProvider>()`). */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What a failure calls the part of the request it is about: the schema's title for a body ("Fleet is invalid: …"). */
function partName(schema: z.ZodType, httpPart: string | undefined): string {
  if (httpPart === 'params') return 'the URL';
  if (httpPart === 'querystring') return 'the query';
  if (httpPart === 'headers') return 'the headers';
  return z.globalRegistry.get(schema)?.title ?? 'the body';
}

/**
 * Validation through parseBody, so a failure is the same InvalidRequest (422, naming each path) it was when handlers
 * parsed for themselves, and the nesting bound holds before zod walks the body. fastify hands an absent body as null.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const what = partName(schema, httpPart);
  return (data) => {
    try {
      return { value: parseBody(schema, httpPart === 'body' && data === null ? undefined : data, what) };
    } catch (error) {
      return { error: error as Error };
    }
  };
};

/**
 * Responses are written as they are: their schemas document the API and type the handlers (the provider's
 * serializer type), and checking every answer again at run time would cost the host list its speed for nothing the
 * compiler does not already check.
 */
export const zodSerializerCompiler: FastifySerializerCompiler<z.ZodType> = () => (data) => JSON.stringify(data);

/**
 * For routes whose protocol parses its own body (FleetLock answers in its own error shape): the schema documents the
 * body, and fastify leaves it as it came.
 */
export const documentedOnly: FastifySchemaCompiler<unknown> = () => () => true;
