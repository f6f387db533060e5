import { RoutingError } from './routing-error.ts';

/** What a Kafka key identifies: one entity, whose events must stay in order on one partition. */
export interface CompositeKeyParts {
  readonly entityType: string;
  readonly entityId: string;
}

export type CompositeKeyPart = keyof CompositeKeyParts;

export type ParsedCompositeKey =
  | ({ readonly success: true } & CompositeKeyParts)
  | { readonly success: false; readonly reason: 'MISSING_SEPARATOR'; readonly message: string }
  | {
      readonly success: false;
      readonly reason: 'INVALID_KEY_PART';
      readonly part: CompositeKeyPart;
      readonly message: string;
    };

export const KEY_SEPARATOR = ':';

/**
 * The key is split at its first ':', so the entity type may not contain one and the id may. Types are kept to
 * a small lower-case alphabet so that `Payment` and `payment` can never name two key spaces.
 */
export const ENTITY_TYPE_PATTERN = /^[a-z][a-z0-9_.-]*$/;

/** Ids are identifiers, not payloads; the bound keeps keys (hashed and stored with every message) small. */
export const MAX_ENTITY_ID_BYTES = 512;

const CONTROL_CHARACTER = /\p{Cc}/u;
const EDGE_WHITESPACE = /^\s|\s$/;
const QUOTED_MAX_CHARS = 60;

/**
 * The entity's Kafka key, `entityType:entityId`. Throws a non-retriable `INVALID_KEY_PART` RoutingError naming
 * the part when a part is empty, has whitespace at either end, or would make the key ambiguous or unportable:
 * an entity type outside ENTITY_TYPE_PATTERN (which excludes ':'), or an entity id with a control character,
 * a lone surrogate (JavaScript and Java encode it to different UTF-8 bytes, so they would hash it to different
 * partitions) or more than MAX_ENTITY_ID_BYTES UTF-8 bytes.
 */
export function compositeKey({ entityType, entityId }: CompositeKeyParts): string {
  const typeProblem = entityTypeProblem(entityType);
  if (typeProblem !== undefined) throw invalidPart('entityType', entityType, typeProblem);
  const idProblem = entityIdProblem(entityId);
  if (idProblem !== undefined) throw invalidPart('entityId', entityId, idProblem);
  return `${entityType}${KEY_SEPARATOR}${entityId}`;
}

/** The parts of a key built by compositeKey; any key compositeKey would refuse to build is a failure here. */
export function parseCompositeKey(key: string): ParsedCompositeKey {
  const at = key.indexOf(KEY_SEPARATOR);
  if (at < 0) {
    return {
      success: false,
      reason: 'MISSING_SEPARATOR',
      message: `key ${quote(key)} has no '${KEY_SEPARATOR}' between entityType and entityId`,
    };
  }
  const entityType = key.slice(0, at);
  const entityId = key.slice(at + 1);
  const typeProblem = entityTypeProblem(entityType);
  if (typeProblem !== undefined)
    return { success: false, reason: 'INVALID_KEY_PART', part: 'entityType', message: typeProblem };
  const idProblem = entityIdProblem(entityId);
  if (idProblem !== undefined)
    return { success: false, reason: 'INVALID_KEY_PART', part: 'entityId', message: idProblem };
  return { success: true, entityType, entityId };
}

function entityTypeProblem(value: unknown): string | undefined {
  const common = commonProblem('entityType', value);
  if (common !== undefined || typeof value !== 'string') return common;
  if (value.includes(KEY_SEPARATOR)) {
    return `entityType ${quote(value)} contains '${KEY_SEPARATOR}' which would make the key ambiguous`;
  }
  if (!ENTITY_TYPE_PATTERN.test(value)) {
    return (
      `entityType ${quote(value)} must match ${String(ENTITY_TYPE_PATTERN)}: ` +
      "a lower-case letter, then lower-case letters, digits, '_', '.' or '-'"
    );
  }
  return undefined;
}

function entityIdProblem(value: unknown): string | undefined {
  const common = commonProblem('entityId', value);
  if (common !== undefined || typeof value !== 'string') return common;
  if (CONTROL_CHARACTER.test(value)) return `entityId ${quote(value)} contains a control character`;
  if (!value.isWellFormed()) {
    return (
      `entityId ${quote(value)} contains a lone surrogate, ` +
      'which JavaScript and Java encode to different UTF-8 bytes (and so different partitions)'
    );
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_ENTITY_ID_BYTES)
    return `entityId ${quote(value)} is ${bytes} UTF-8 bytes long; at most ${MAX_ENTITY_ID_BYTES} are allowed`;
  return undefined;
}

function commonProblem(part: CompositeKeyPart, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${part} must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return `${part} must not be empty`;
  if (EDGE_WHITESPACE.test(value)) return `${part} ${quote(value)} has leading or trailing whitespace`;
  return undefined;
}

function invalidPart(part: CompositeKeyPart, value: unknown, message: string): RoutingError {
  return new RoutingError('INVALID_KEY_PART', message, { retriable: false, context: { part, value } });
}

/** The value in quotes with control characters and lone surrogates escaped, shortened for a message. */
function quote(value: string): string {
  const shown = value.length > QUOTED_MAX_CHARS ? `${value.slice(0, QUOTED_MAX_CHARS)}…` : value;
  return `'${JSON.stringify(shown).slice(1, -1)}'`;
}
