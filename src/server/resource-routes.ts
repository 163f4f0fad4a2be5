import { z } from 'zod';
import { API_PREFIX, API_VERSION, matchesSelector, parseLabelSelector, resourceNameSchema } from '../fleet/index.js';
import { type ApplyResult, type Store, type Stored, StoreError } from '../store/index.js';
import type { ServerContext } from './context.js';
import { listSchema, present, requestedVersion } from './present.js';
import { InvalidRequest, successSchema } from './status.js';
import type { ZodApp } from './zod-provider.js';

/**
 * One kind of the admin API as the resource table has it (resource-table.ts): what its documents are and how the
 * store keeps them. The five verbs (list, get, create, apply, delete) are written once, below, for every kind.
 */
export interface Resource<T extends { metadata: { name: string; labels?: Record<string, string> | undefined } }> {
  plural: 'fleets' | 'releases' | 'rollouts' | 'hosts' | 'pipelines';
  kind: string;
  /** The word in messages: "fleet web not found". */
  noun: string;
  /** The document as requests send it (metadata.resourceVersion included) and answers carry it. */
  schema: z.ZodType<T>;
  /** When requests carry more than answers (a release's attachments): the body create and apply take. */
  requestSchema?: z.ZodType<T>;
  /** A larger body than the server's usual limit, in bytes. */
  bodyLimit?(context: ServerContext): number;
  /** Lists take ?fleet= (releases and rollouts). */
  byFleet?: boolean;
  list(store: Store, fleet: string | undefined): Promise<Array<Stored<T>>>;
  get(store: Store, name: string): Promise<Stored<T> | undefined>;
  /** `requested` reads metadata.resourceVersion (422 when it is not a positive integer), for kinds that honour it. */
  create(context: ServerContext, resource: T, requested: () => number | undefined): Promise<void>;
  apply(context: ServerContext, resource: T, requested: () => number | undefined): Promise<ApplyResult>;
  remove(store: Store, name: string): Promise<void>;
  /** How this request answers with stored documents (hosts need the fleets, pipelines their runs). */
  presenter?(context: ServerContext): Promise<(stored: Stored<T>) => T | Promise<T>>;
}

const nameParams = z.object({ name: resourceNameSchema });

/**
 * A Kubernetes label selector (`role=web,zone in (a,b)`): equality- and set-based requirements, all of which must
 * hold. The server answers it, so a list carries only what was asked for.
 */
const labelSelectorParameter = z
  .string()
  .optional()
  .describe('Only the resources whose labels match: role=web,zone!=a,tier in (gold,silver),!canary');

/** The five routes of one row of the resource table. */
export function resourceRoutes<T extends { metadata: { name: string; labels?: Record<string, string> | undefined } }>(
  app: ZodApp,
  context: ServerContext,
  resource: Resource<T>,
): void {
  const { store } = context;
  const collection = `${API_PREFIX}/${resource.plural}`;
  const one = `${collection}/:name`;
  const answeredList = listSchema(resource.kind, resource.schema);
  const selectorOnly = z.object({ labelSelector: labelSelectorParameter });
  const listQuery = resource.byFleet
    ? selectorOnly.extend({ fleet: z.string().optional().describe('Only those of this fleet') })
    : selectorOnly;
  const presenter = async (): Promise<(stored: Stored<T>) => T | Promise<T>> =>
    resource.presenter === undefined ? present : resource.presenter(context);
  const found = async (name: string): Promise<Stored<T>> => {
    const stored = await resource.get(store, name);
    if (stored === undefined) throw new StoreError('NotFound', `${resource.noun} ${name} not found`);
    return stored;
  };
  const answer = async (name: string): Promise<T> => (await presenter())(await found(name));
  const body = resource.requestSchema ?? resource.schema;
  const bodyLimit = resource.bodyLimit === undefined ? {} : { bodyLimit: resource.bodyLimit(context) };

  app.get(
    collection,
    {
      schema: {
        summary: `List ${resource.plural}`,
        querystring: listQuery,
        response: { 200: answeredList },
      },
    },
    async (request) => {
      const query = request.query;
      const selector = selectorOf(query.labelSelector);
      const shown = await presenter();
      const fleet = 'fleet' in query && typeof query.fleet === 'string' ? query.fleet : undefined;
      const answered: z.input<typeof answeredList> = {
        apiVersion: API_VERSION,
        kind: `${resource.kind}List`,
        items: [],
      };
      for (const stored of await resource.list(store, fleet)) {
        if (matchesSelector(selector, stored.resource.metadata.labels)) answered.items.push(await shown(stored));
      }
      return answered;
    },
  );
  app.get(
    one,
    { schema: { summary: `Read a ${resource.noun}`, params: nameParams, response: { 200: resource.schema } } },
    async (request) => answer(request.params.name),
  );
  app.post(
    collection,
    {
      ...bodyLimit,
      schema: {
        summary: `Create a ${resource.noun}`,
        body,
        response: { 201: resource.schema },
      },
    },
    async (request, reply) => {
      const body = documentOf<T>(request.body);
      const document = withoutResourceVersion(body);
      await resource.create(context, document, () => versionOf(body));
      return reply.code(201).send(await answer(document.metadata.name));
    },
  );
  app.put(
    one,
    {
      ...bodyLimit,
      schema: {
        summary: `Create or update a ${resource.noun}`,
        params: nameParams,
        body,
        response: { 200: resource.schema, 201: resource.schema },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const body = documentOf<T>(request.body);
      if (body.metadata.name !== name) {
        throw new InvalidRequest(`metadata.name: ${body.metadata.name} does not match the URL's ${name}`, 'BadRequest');
      }
      const result = await resource.apply(context, withoutResourceVersion(body), () => versionOf(body));
      return reply.code(result === 'created' ? 201 : 200).send(await answer(name));
    },
  );
  app.delete(
    one,
    { schema: { summary: `Delete a ${resource.noun}`, params: nameParams, response: { 200: successSchema } } },
    async (request) => {
      const { name } = request.params;
      await resource.remove(store, name);
      return {
        apiVersion: 'v1' as const,
        kind: 'Status' as const,
        status: 'Success' as const,
        code: 200,
        message: `${resource.noun} ${name} deleted`,
      };
    },
  );
}

/**
 * The body the validator parsed with resource.schema. The provider types it from the schema, but TypeScript cannot
 * resolve that inside a function generic over the schema's type, so the table's generic code names it here, once.
 */
function documentOf<T>(body: unknown): T {
  return body as T;
}

function selectorOf(text: string | undefined) {
  if (text === undefined) return undefined;
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new InvalidRequest(`labelSelector: ${parsed.problem}`, 'BadRequest');
  return parsed.selector;
}

function versionOf(body: unknown): number | undefined {
  const version = requestedVersion(body);
  if (Number.isNaN(version)) throw new InvalidRequest('metadata.resourceVersion: expected a positive integer');
  return version;
}

/** The version a request names is a precondition, not part of what is stored. */
function withoutResourceVersion<T extends { metadata: object }>(document: T): T {
  const { resourceVersion: _version, ...metadata } = document.metadata as { resourceVersion?: unknown };
  return { ...document, metadata: metadata as T['metadata'] };
}
