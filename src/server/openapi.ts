import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { z } from 'zod';
import { VERSION } from '../core/index.js';
import { statusSchema } from './status.js';

declare module 'fastify' {
  interface FastifySchema {
    /** The operation's one-line summary in the OpenAPI document; a route without one is not documented. */
    summary?: string;
    /** Who may call it: the document's default (the admin token) unless set; `[]` for no credential. */
    security?: Array<Record<string, string[]>>;
  }
}

/** A route as fastify registered it, schema included. */
export interface RegisteredRoute {
  method: string;
  url: string;
  schema: FastifySchema | undefined;
}

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

/** Collects every route registered on the instance from now on, in every plug-in scope (an onRoute hook). */
export function collectRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      // fastify adds a HEAD route beside every GET; the document names the GET.
      if (method !== 'HEAD') routes.push({ method, url: route.url, schema: route.schema });
    }
  });
  return routes;
}

/**
 * The OpenAPI 3.1 document, generated from the routes as registered: each route's zod schemas (the same ones that
 * validate its requests, zod-provider.ts) become its parameters, request body and responses, so the document cannot
 * drift from what the server does. Routes without a summary (the console's and the registry gateway's, which speak
 * protocols of their own) are left out. OpenAPI 3.1 uses JSON Schema 2020-12, which is what z.toJSONSchema writes.
 */
export function openApiDocument(routes: readonly RegisteredRoute[]): OpenApiDocument {
  const components = new Components();
  components.name(statusSchema);
  const failure = { description: 'Failure, as a Kubernetes Status', ...json(components.schema(statusSchema)) };
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const schema = route.schema;
    if (schema?.summary === undefined) continue;
    for (const part of [schema.body, ...Object.values(responsesOf(schema))]) {
      if (part !== undefined) components.name(unwrapped(part));
    }
  }
  for (const route of routes) {
    const schema = route.schema;
    if (schema?.summary === undefined) continue;
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Record<string, unknown> = { summary: schema.summary };
    if (schema.security !== undefined) operation.security = schema.security;
    const parameters = [
      ...parametersOf(schema.params, 'path'),
      ...parametersOf(schema.querystring, 'query'),
      ...parametersOf(schema.headers, 'header'),
    ];
    if (parameters.length > 0) operation.parameters = parameters;
    if (isZod(schema.body)) {
      operation.requestBody = {
        required: !schema.body.safeParse(undefined).success,
        ...json(components.schema(unwrapped(schema.body))),
      };
    }
    const responses: Record<string, unknown> = {};
    for (const [code, body] of Object.entries(responsesOf(schema))) {
      responses[code] =
        body instanceof z.ZodVoid
          ? { description: description(code) }
          : { description: description(code), ...json(components.schema(body)) };
    }
    if (Object.keys(responses).length === 0) responses['200'] = { description: description('200') };
    responses.default ??= failure;
    operation.responses = responses;
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Patchline controller', version: VERSION },
    security: [{ admin: [] }],
    paths,
    components: {
      securitySchemes: {
        admin: { type: 'http', scheme: 'bearer', description: 'PATCHLINE_ADMIN_TOKEN' },
        host: { type: 'http', scheme: 'bearer', description: 'the credential a host got at enrollment' },
      },
      schemas: components.schemas,
    },
  };
}

/**
 * The document's named schemas: a zod schema whose title is a capitalised name (`.meta({ title: 'Fleet' })`) is
 * written once under components and referred to wherever it appears, at the top of a route's schema or inside
 * another. Other titles ("status report") only name the body in failures (zod-provider.ts) and stay inline.
 */
class Components {
  readonly schemas: Record<string, unknown> = {};
  private readonly names = new Map<unknown, string>();

  name(type: z.ZodType): void {
    const title = z.globalRegistry.get(type)?.title;
    if (title === undefined || !/^[A-Z][A-Za-z0-9]*$/.test(title) || this.names.has(type)) return;
    // Two schemas under one title would make one refer to the other's shape: the second stays inline.
    if ([...this.names.values()].includes(title)) return;
    this.names.set(type, title);
  }

  /** The JSON Schema of a zod type: a $ref when it is named, its named parts as $refs inside it either way. */
  schema(type: z.ZodType): Record<string, unknown> {
    const name = this.names.get(type);
    if (name !== undefined) {
      this.schemas[name] ??= this.convert(type);
      return { $ref: ref(name) };
    }
    return this.convert(type);
  }

  private convert(root: z.core.$ZodType): Record<string, unknown> {
    const generated = z.toJSONSchema(root, {
      target: 'draft-2020-12',
      unrepresentable: 'any',
      io: 'input',
      override: (context) => {
        const name = this.names.get(context.zodSchema);
        if (name === undefined || context.zodSchema === root) return;
        this.schemas[name] ??= this.convert(context.zodSchema);
        for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
        context.jsonSchema.$ref = ref(name);
      },
    }) as Record<string, unknown>;
    delete generated.$schema;
    return generated;
  }
}

function ref(name: string): string {
  return `#/components/schemas/${name}`;
}

function json(schema: Record<string, unknown>): Record<string, unknown> {
  return { content: { 'application/json': { schema } } };
}

function isZod(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

function unwrapped(type: unknown): z.ZodType {
  const zod = type as z.ZodType;
  return zod instanceof z.ZodOptional ? (zod.unwrap() as z.ZodType) : zod;
}

function responsesOf(schema: FastifySchema): Record<string, z.ZodType> {
  const declared = (schema.response ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(declared).filter((entry): entry is [string, z.ZodType] => isZod(entry[1])));
}

/** Each property of a params, querystring or headers object as an OpenAPI parameter. */
function parametersOf(type: unknown, where: 'path' | 'query' | 'header'): Array<Record<string, unknown>> {
  if (!(type instanceof z.ZodObject)) return [];
  return Object.entries(type.shape as Record<string, z.ZodType>).map(([name, property]) => {
    const schema = z.toJSONSchema(property, {
      target: 'draft-2020-12',
      unrepresentable: 'any',
      io: 'input',
    }) as Record<string, unknown>;
    delete schema.$schema;
    const { description: about, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === 'path' || !property.safeParse(undefined).success,
      ...(typeof about === 'string' ? { description: about } : {}),
      schema: rest,
    };
  });
}

function description(code: string): string {
  const known: Record<string, string> = {
    '200': 'OK',
    '201': 'Created',
    '204': 'No content',
    default: 'Failure',
  };
  return known[code] ?? code;
}
