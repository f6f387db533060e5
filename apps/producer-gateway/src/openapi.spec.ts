import { describe, expect, it } from 'vitest';
import { NAMED_SCHEMAS } from './api-schemas.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

type Operation = {
  operationId: string;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, unknown>;
  security: unknown[];
};

describe('the OpenAPI document', () => {
  const doc = buildOpenApiDocument(ROUTES, { version: '9.9.9' }) as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };

  it('is OpenAPI 3.1 and has every route, with its method', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES)
      expect(doc.paths[route.path]?.[route.method.toLowerCase()]?.operationId).toBe(route.operationId);
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(operations).toHaveLength(ROUTES.length);
  });

  it('publishes the very schema objects the routes validate with', () => {
    expect(doc.components.schemas).toBe(NAMED_SCHEMAS);
    for (const route of ROUTES.filter((r) => r.body)) {
      const ref =
        doc.paths[route.path]![route.method.toLowerCase()]!.requestBody!.content['application/json']!.schema.$ref;
      const name = ref.replace('#/components/schemas/', '');
      expect(NAMED_SCHEMAS[name]).toBe(route.body);
    }
  });

  it('asks for an API key on the payment routes only', () => {
    for (const route of ROUTES) {
      const security = doc.paths[route.path]![route.method.toLowerCase()]!.security;
      expect(security.length > 0).toBe(route.authenticated);
    }
    expect(
      ROUTES.filter((r) => !r.authenticated)
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/healthz', '/metrics', '/openapi.json', '/readyz']);
  });

  it('documents the error answers of every write', () => {
    for (const route of ROUTES.filter((r) => r.idempotent)) {
      const statuses = Object.keys(doc.paths[route.path]!.post!.responses);
      expect(statuses).toEqual(expect.arrayContaining(['400', '401', '403', '409', '413', '415', '422']));
    }
  });
});
