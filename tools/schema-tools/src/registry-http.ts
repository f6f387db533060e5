import type { CompatibilityLevel } from '@spr/contracts/avro';
import { SchemaToolError } from './errors.ts';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
export const REGISTRY_TIMEOUT_MS = 10_000;

/** The calls of the Confluent-compatible registry API the schema tools make; "not found" is a value, not an error. */
export interface RegistryHttp {
  readonly url: string;
  reachable(): Promise<boolean>;
  versions(subject: string): Promise<number[] | undefined>;
  version(subject: string, version: number): Promise<{ id: number; schema: string }>;
  lookup(subject: string, schema: string): Promise<{ id: number; version: number } | undefined>;
  register(subject: string, schema: string): Promise<{ ok: true; id: number } | { ok: false; error: string }>;
  level(subject: string): Promise<string | undefined>;
  setLevel(subject: string, level: CompatibilityLevel): Promise<void>;
  /** Whether `schema` may follow the subject's registered versions under its level; undefined for a new subject. */
  isCompatible(subject: string, schema: string): Promise<boolean | undefined>;
}

/** A client of the registry at `url` (e.g. `http://127.0.0.1:18081/apis/ccompat/v7`). */
export function createRegistryHttp(url: string): RegistryHttp {
  const base = url.replace(/\/+$/, '');

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { accept: CONTENT_TYPE, ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS),
      });
    } catch (error) {
      throw new SchemaToolError(
        'REGISTRY_UNREACHABLE',
        `${method} ${base}${path}: ${error instanceof Error ? error.message : String(error)}`,
        { retriable: true, cause: error },
      );
    }
    const text = await response.text();
    try {
      return { status: response.status, json: text ? JSON.parse(text) : undefined };
    } catch {
      return { status: response.status, json: text }; // an error page in HTML or plain text: kept for the message
    }
  }

  function unexpected(method: string, path: string, status: number, json: unknown): SchemaToolError {
    const detail =
      typeof json === 'object' && json !== null && 'message' in json ? String(json.message) : JSON.stringify(json);
    return new SchemaToolError('REGISTRY_ERROR', `${method} ${base}${path} answered ${status}: ${detail}`, {
      retriable: status >= 500,
    });
  }

  /** The answer's JSON; a 404 gives undefined when `notFoundIsAnswer`, any other failure throws. */
  async function json(method: string, path: string, body?: unknown, notFoundIsAnswer = false): Promise<unknown> {
    const answer = await call(method, path, body);
    if (answer.status === 404 && notFoundIsAnswer) return undefined;
    if (answer.status < 200 || answer.status >= 300) throw unexpected(method, path, answer.status, answer.json);
    return answer.json;
  }

  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;
  const configPath = (subject: string) => `/config/${encodeURIComponent(subject)}`;

  return {
    url: base,
    async reachable() {
      try {
        return (await call('GET', '/subjects')).status === 200;
      } catch (error) {
        if (error instanceof SchemaToolError) return false;
        throw error;
      }
    },
    async versions(subject) {
      return (await json('GET', `${subjectPath(subject)}/versions`, undefined, true)) as number[] | undefined;
    },
    async version(subject, version) {
      return (await json('GET', `${subjectPath(subject)}/versions/${version}`)) as { id: number; schema: string };
    },
    async lookup(subject, schema) {
      return (await json('POST', subjectPath(subject), { schema }, true)) as
        { id: number; version: number } | undefined;
    },
    async register(subject, schema) {
      const path = `${subjectPath(subject)}/versions`;
      const answer = await call('POST', path, { schema });
      if (answer.status === 200) return { ok: true, id: (answer.json as { id: number }).id };
      // 409: incompatible under the subject's level; 422: a schema the registry rejects as invalid.
      if (answer.status === 409 || answer.status === 422)
        return { ok: false, error: unexpected('POST', path, answer.status, answer.json).message };
      throw unexpected('POST', path, answer.status, answer.json);
    },
    async level(subject) {
      const config = (await json('GET', configPath(subject), undefined, true)) as
        { compatibilityLevel?: string } | undefined;
      return config?.compatibilityLevel;
    },
    async setLevel(subject, level) {
      await json('PUT', configPath(subject), { compatibility: level });
    },
    async isCompatible(subject, schema) {
      const path = `/compatibility${subjectPath(subject)}/versions/latest`;
      const answer = (await json('POST', path, { schema }, true)) as { is_compatible: boolean } | undefined;
      return answer?.is_compatible;
    },
  };
}
