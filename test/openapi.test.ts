import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type PatchlineServer } from '../src/server/index.js';
import { Store } from '../src/store/index.js';
import { tempDir } from './helpers/tmp.js';

/**
 * The OpenAPI document is generated from the routes as registered. These checks hold it to the router on one side
 * (every API route is in it, and nothing else) and to the OpenAPI 3.1 schema on the other.
 */

// The console (/ui) and the registry gateway (/v2/) speak protocols of their own and are not part of the API.
const NOT_API = /^\/(ui|v2)(\/|$)/;

let server: PatchlineServer;
let store: Store;
let document: {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, object> };
  info: Record<string, unknown>;
};

beforeAll(async () => {
  const dir = await tempDir('patchline-openapi-');
  store = await Store.open(join(dir, 'controller.db'));
  server = await createServer({ store, adminToken: 'admin', gateway: { cacheDir: join(dir, 'cache') } });
  await server.app.ready();
  document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => {
  await server.app.close();
  await store.close();
});

/** Every route the router holds, read from fastify's own listing (not from what the document was built from). */
function registeredRoutes(): Array<{ method: string; url: string }> {
  const routes: Array<{ method: string; url: string }> = [];
  const prefixes: string[] = [];
  for (const line of server.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] as string).length / 4;
    prefixes.length = depth;
    const url = `${prefixes.join('')}${match[2]}`;
    prefixes.push(match[2] as string);
    for (const method of (match[3] ?? '').split(', ').filter((each) => each !== '' && each !== 'HEAD')) {
      routes.push({ method, url });
    }
  }
  return routes;
}

describe('the OpenAPI document', () => {
  it('documents every registered API route, and no route the server does not have', () => {
    const routes = registeredRoutes().filter((route) => !NOT_API.test(route.url));
    // The listing was read: the API's routes are all there (5 kinds × 5 verbs alone are 25).
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      expect(document.paths[path]?.[route.method.toLowerCase()], `${route.method} ${route.url}`).toBeDefined();
    }
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const url = path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
        expect(server.app.hasRoute({ method: method.toUpperCase(), url }), `${method} ${path}`).toBe(true);
        expect(NOT_API.test(path), path).toBe(false);
      }
    }
  });

  it('is a valid OpenAPI 3.1 document, whose schemas are valid JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv as unknown as Ajv);
    // The OpenAPI schema's own format for media types in content maps; the document uses application/json only.
    ajv.addFormat('media-range', /^[a-z*]+\/[a-z0-9.+*-]+$/);
    const schemaFile = resolve(import.meta.dirname, 'fixtures/openapi/oas-3.1-schema.json');
    // ajv resolves $dynamicRef only partly (it reports a schema's $ref as unevaluated); with no dialect extending
    // it, the schema's one dynamic anchor ("meta") is its $defs/schema, which a plain $ref names the same.
    const text = readFileSync(schemaFile, 'utf8').replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"');
    const validate = ajv.compile(JSON.parse(text));
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // The check can fail: a response needs a description.
    const broken = structuredClone(document);
    const liveness = broken.paths['/healthz'] as { get: { responses: Record<string, unknown> } };
    liveness.get.responses['200'] = {};
    expect(validate(broken)).toBe(false);
    // Components refer to each other (a HostList's items are the Host): compiled together, as the document has them.
    const schemas = new Ajv2020({ strict: false });
    addFormats.default(schemas as unknown as Ajv);
    schemas.addSchema({ $id: 'https://patchline.dev/openapi.json', components: document.components });
    for (const name of Object.keys(document.components.schemas)) {
      expect(schemas.getSchema(`https://patchline.dev/openapi.json#/components/schemas/${name}`), name).toBeDefined();
    }
  });

  it('describes the labelSelector parameter of every list, and the Host status the server adds', () => {
    for (const plural of ['fleets', 'releases', 'rollouts', 'hosts', 'pipelines']) {
      const list = document.paths[`/apis/patchline.dev/v1/${plural}`]?.get as { parameters: Array<{ name: string }> };
      expect(
        list.parameters.map((parameter) => parameter.name),
        plural,
      ).toContain('labelSelector');
    }
    const host = document.components.schemas.Host as {
      properties: { status: { properties: Record<string, { type?: string }> } };
    };
    expect(host.properties.status.properties.online?.type).toBe('boolean');
    expect(host.properties.status.properties.fleet?.type).toBe('string');
  });
});
