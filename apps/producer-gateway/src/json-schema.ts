/**
 * The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the API's request and response schemas are
 * written in, and a validator for exactly that subset. The same schema objects are served in /openapi.json and
 * checked against every request, so the document cannot drift from what the server accepts. A keyword outside
 * the subset is refused when the schema is checked, never silently ignored.
 */
export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

export interface JsonSchema {
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: false;
  readonly items?: JsonSchema;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly enum?: readonly (string | number | null)[];
  readonly const?: string | number | boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly oneOf?: readonly JsonSchema[];
  // Annotations: documentation only.
  readonly title?: string;
  readonly description?: string;
  readonly format?: string;
  readonly examples?: readonly unknown[];
  readonly default?: unknown;
  readonly readOnly?: boolean;
  /** What the API answers when a value fails this schema, instead of a message built from the failed keyword. */
  readonly 'x-problem'?: string;
}

/** One thing wrong with a request body: the field's path (`amount_minor`, `items[2].name`) and what is wrong. */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

const KEYWORDS = new Set<string>([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minLength',
  'maxLength',
  'pattern',
  'enum',
  'const',
  'minimum',
  'maximum',
  'oneOf',
  'title',
  'description',
  'format',
  'examples',
  'default',
  'readOnly',
  'x-problem',
]);

/** The name the whole body goes by in a FieldProblem. */
export const BODY_FIELD = '(body)';

/** Throws when a schema uses a keyword this validator does not implement (a test runs it over every schema). */
export function assertSupportedSchema(schema: JsonSchema, path = '#'): void {
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key))
      throw new Error(`${path}: JSON Schema keyword '${key}' is not supported by the gateway's validator`);
  }
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false)
    throw new Error(`${path}: additionalProperties may only be false`);
  for (const [name, property] of Object.entries(schema.properties ?? {}))
    assertSupportedSchema(property, `${path}/properties/${name}`);
  if (schema.items) assertSupportedSchema(schema.items, `${path}/items`);
  for (const [i, branch] of (schema.oneOf ?? []).entries()) assertSupportedSchema(branch, `${path}/oneOf/${i}`);
  if (schema.pattern !== undefined) new RegExp(schema.pattern, 'u');
}

/** Every problem of `value` against `schema`, one per field (the first one found for that field). */
export function validateJson(schema: JsonSchema, value: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  check(schema, value, '', problems);
  return problems;
}

function check(schema: JsonSchema, value: unknown, path: string, problems: FieldProblem[]): void {
  const field = path || BODY_FIELD;
  const report = (problem: string): void => {
    problems.push({ field, problem: schema['x-problem'] ?? problem });
  };
  const types = schema.type === undefined ? undefined : typeof schema.type === 'string' ? [schema.type] : schema.type;
  if (types && !types.some((t) => hasType(value, t))) return report(`must be ${types.map(typeLabel).join(' or ')}`);
  if (schema.const !== undefined && value !== schema.const) return report(`must be ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value as string))
    return report(`must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((branch) => validateJson(branch, value).length === 0).length;
    if (matching !== 1)
      return report(
        matching === 0 ? 'matches none of the allowed forms' : 'matches more than one of the allowed forms',
      );
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength)
      return report(schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && length > schema.maxLength)
      return report(`must be at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
      return report(`must match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) return report(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) return report(`must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) check(schema.items, item, `${path}[${i}]`, problems);
  }
  if (isObject(value)) checkObject(schema, value, path, problems);
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>, path: string, problems: FieldProblem[]): void {
  const properties = schema.properties ?? {};
  const at = (name: string) => (path ? `${path}.${name}` : name);
  for (const name of schema.required ?? []) {
    if (!Object.hasOwn(value, name)) problems.push({ field: at(name), problem: 'is required' });
  }
  for (const [name, inner] of Object.entries(value)) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (property) check(property, inner, at(name), problems);
    else if (schema.additionalProperties === false)
      problems.push({ field: at(name), problem: 'is not a field of this request' });
  }
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

const TYPE_LABELS: Readonly<Record<JsonType, string>> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function typeLabel(type: JsonType): string {
  return TYPE_LABELS[type];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON text of `value` with object keys in the order the schema lists its properties (others after, sorted), so
 * the same response serializes to the same bytes whether it is built now or replayed from a stored jsonb value
 * (PostgreSQL's jsonb does not keep key order).
 */
export function orderedJson(schema: JsonSchema, value: unknown): string {
  return JSON.stringify(ordered(schema, value));
}

function ordered(schema: JsonSchema | undefined, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(schema?.items, item));
  if (!isObject(value)) return value;
  const properties = schema?.properties ?? {};
  const known = Object.keys(properties).filter((name) => Object.hasOwn(value, name));
  const rest = Object.keys(value)
    .filter((name) => !Object.hasOwn(properties, name))
    .sort();
  return Object.fromEntries([...known, ...rest].map((name) => [name, ordered(properties[name], value[name])]));
}
