import { z } from 'zod';
import type { ApiRoute } from './route-kit.ts';

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

/** A file's bytes (OpenAPI 3.1 spells binary content this way). */
const BINARY = { type: 'string', contentMediaType: 'application/octet-stream' };

/**
 * OpenAPI 3.1 for the v1 API, generated from the same route list and zod schemas that serve
 * requests. OpenAPI 3.1 uses JSON Schema 2020-12, which is what zod emits.
 */
export function buildOpenApi(routes: ApiRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: operationId(r),
      parameters: [
        ...[...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
          name: m[1],
          in: 'path',
          required: true,
          schema: { type: 'string' },
          ...(m[1] === r.restParam ? { description: 'The rest of the path, `/` included, e.g. `model/MLmodel`' } : {}),
        })),
        ...(r.tenant ? [{ name: 'X-Tenant-ID', in: 'header', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,63}$' } }] : []),
        ...queryParameters(r.query),
      ],
      responses: {
        [String(r.status)]:
          r.status === 204
            ? { description: 'Done' }
            : r.binaryResponse
              ? { description: 'The file', content: { 'application/octet-stream': { schema: BINARY } } }
              : { description: 'OK', content: { 'application/json': { schema: schemaOf(r.response ?? z.object({}).loose(), 'output') } } },
        default: { description: 'Error', content: { 'application/json': { schema: schemaOf(ErrorBody, 'output') } } },
      },
    };
    if (r.rawBody) {
      op.requestBody = { required: true, content: { 'application/octet-stream': { schema: BINARY } } };
    }
    if (r.body) {
      op.requestBody = {
        required: !r.body.safeParse(undefined).success,
        content: { 'application/json': { schema: schemaOf(r.body, 'input') } },
      };
    }
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'MATIH Experiments API',
      version,
      description: 'Experiment tracking with tenant isolation. Every tenant route needs the X-Tenant-ID header.',
    },
    servers: [{ url: 'http://localhost:8000' }],
    paths,
  };
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function queryParameters(query: z.ZodType | undefined): unknown[] {
  if (!query) return [];
  const json = schemaOf(query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema,
  }));
}

function operationId(r: ApiRoute): string {
  const words = r.path
    .replace('/api/v1/', '')
    .split('/')
    .map((s) => s.replace(/[{}]/g, '').replace(/[-_](\w)/g, (_, c: string) => c.toUpperCase()));
  return [r.method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join('');
}
