import { COMPATIBILITY, SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAvroSchema } from './avro/parse-avro-schema.ts';
import { isValidTopicName, subjectName } from './avro/subject-name.ts';
import { decodeFailure, type EventDecodeResult } from './decode-result.ts';
import { ContractError } from './errors.ts';
import type { AnyEvent, EventContract, RecordContract } from './event-contract.ts';
import { describeInvalidValue } from './invalid-value.ts';
import { classifyRegistryError, errorText } from './registry-errors.ts';
import { readSchemaId, WIRE_HEADER_SIZE, writeWireFormat } from './wire-format.ts';
import { createWriterCache, type ReaderRecord, type WriterLookup } from './writer-cache.ts';

export const DEFAULT_UNKNOWN_ID_LOOKUPS = 3;
export const DEFAULT_MAX_UNKNOWN_IDS = 10_000;
/** Attempts to register while another process's first registration of the subject sets its level. */
const LEVEL_SETTLE_ATTEMPTS = 5;

/** The registry client calls a codec makes; a `SchemaRegistry` of @kafkajs/confluent-schema-registry has them. */
export type CodecRegistry = Pick<SchemaRegistry, 'register' | 'getSchema'>;

export interface EventCodecOptions {
  readonly registry: CodecRegistry;
  /** The topic the events go to: subjects are `<topic>-<record full name>`. */
  readonly topic: string;
  /** Look-ups of a schema id the registry does not know before it is answered from a negative cache. Default 3. */
  readonly unknownIdLookups?: number;
  /** How many unknown or unreadable schema ids are remembered at most. Default 10,000. */
  readonly maxUnknownIds?: number;
}

export interface EventCodec<E extends AnyEvent> {
  /** Registers the current version of every record under `<topic>-<record>` (idempotent) and caches ids. */
  registerAll(): Promise<Record<E['type'], number>>;
  /**
   * Validates the payload against the current schema of its type and writes the Confluent wire format. The first
   * encode of a type registers its schema (idempotent); the registry's compatibility level, which
   * `npm run schemas:register` sets, still refuses a breaking version.
   */
  encode(event: E): Promise<{ value: Buffer; schemaId: number }>;
  /** Synchronous when the writer schema id is cached; `undefined` when it is not (call decode). */
  decodeCached(value: Buffer | null): EventDecodeResult<E> | undefined;
  decode(value: Buffer | null): Promise<EventDecodeResult<E>>;
}

interface CodecRecord<T extends string> extends ReaderRecord<T> {
  readonly contract: RecordContract<T>;
  readonly subject: string;
}

const TOMBSTONE: EventDecodeResult<never> = Object.freeze(
  decodeFailure('TOMBSTONE', 'the message has no value (a tombstone)'),
);

/** A codec for every event of a contract, through a Confluent-compatible registry. */
export function createEventCodec<E extends AnyEvent>(
  contract: EventContract<E>,
  options: EventCodecOptions,
): EventCodec<E> {
  type T = E['type'];
  const { registry, topic } = options;
  const unknownIdLookups = positiveInteger(options.unknownIdLookups ?? DEFAULT_UNKNOWN_ID_LOOKUPS, 'unknownIdLookups');
  const maxUnknownIds = positiveInteger(options.maxUnknownIds ?? DEFAULT_MAX_UNKNOWN_IDS, 'maxUnknownIds');
  if (!isValidTopicName(topic))
    throw new ContractError('INVALID_OPTIONS', `topic ${JSON.stringify(topic)} is not a valid Kafka topic name`);

  const records = new Map<T, CodecRecord<T>>();
  for (const record of Object.values<RecordContract<T>>(contract.records)) {
    const reader = parseAvroSchema(JSON.parse(record.schema));
    records.set(record.type, {
      type: record.type,
      version: record.version,
      reader,
      contract: record,
      subject: subjectName(topic, record.fullName),
    });
  }
  const writers = createWriterCache<T>({
    registry,
    readers: new Map([...records.values()].map((r) => [r.contract.fullName, r])),
    unknownIdLookups,
    maxUnknownIds,
  });
  const schemaIds = new Map<T, number>();
  const registering = new Map<T, Promise<number>>();

  async function register(record: CodecRecord<T>): Promise<number> {
    const { contract: c, subject } = record;
    try {
      const { id } = await registerSettlingLevel(record);
      schemaIds.set(record.type, id);
      writers.remember(id, record);
      return id;
    } catch (error) {
      const refused = classifyRegistryError(error) !== 'UNAVAILABLE';
      const what = `${c.type} v${c.version} under subject ${subject}`;
      throw refused
        ? new ContractError('REGISTRATION_REFUSED', `the registry refused ${what}: ${errorText(error)}`, {
            cause: error,
          })
        : new ContractError('REGISTRY_UNAVAILABLE', `could not register ${what}: ${errorText(error)}`, {
            retriable: true,
            cause: error,
          });
    }
  }

  /**
   * The registry client reads a subject's level before registering and sets it after a first registration. Two
   * processes registering a new subject at once (two replicas starting) see each other's half-done registration:
   * the level is not set yet (the client reports a mismatch), or both set it (Apicurio answers 409, the rule
   * exists). Both settle within moments, so they are retried a few times before counting as a refusal.
   */
  async function registerSettlingLevel(record: CodecRecord<T>): Promise<{ id: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await registry.register(
          { type: SchemaType.AVRO, schema: record.contract.schema },
          { subject: record.subject, compatibility: COMPATIBILITY[record.contract.compatibility] },
        );
      } catch (error) {
        if (!isFirstRegistrationRace(error) || attempt >= LEVEL_SETTLE_ATTEMPTS) throw error;
        await sleep(100 * attempt);
      }
    }
  }

  function schemaIdOf(record: CodecRecord<T>): Promise<number> {
    const known = schemaIds.get(record.type);
    if (known !== undefined) return Promise.resolve(known);
    let pending = registering.get(record.type);
    if (!pending) {
      pending = register(record).finally(() => registering.delete(record.type));
      registering.set(record.type, pending);
    }
    return pending;
  }

  function decodeBody(writer: WriterLookup<T>, message: Buffer, schemaId: number): EventDecodeResult<E> {
    if (writer.kind === 'rejected') return decodeFailure(writer.reason, writer.error, schemaId);
    if (writer.kind === 'unavailable')
      return { ok: false, reason: 'REGISTRY_UNAVAILABLE', retriable: true, error: writer.error, schemaId };
    let decoded: { value: unknown; offset: number };
    try {
      decoded = writer.reader.decode(message, WIRE_HEADER_SIZE, writer.resolver);
    } catch (error) {
      return decodeFailure('INVALID_BODY', `schema id ${schemaId} (${writer.type}): ${errorText(error)}`, schemaId);
    }
    if (decoded.offset === -1) {
      return decodeFailure(
        'TRUNCATED',
        `schema id ${schemaId} (${writer.type}): the body ends before the record does`,
        schemaId,
      );
    }
    if (decoded.offset !== message.length) {
      const extra = message.length - decoded.offset;
      return decodeFailure(
        'INVALID_BODY',
        `schema id ${schemaId} (${writer.type}): ${extra} bytes left after the record`,
        schemaId,
      );
    }
    return { ok: true, event: { type: writer.type, payload: decoded.value } as E, schemaId };
  }

  function recordOf(type: string): CodecRecord<T> {
    const record = records.get(type as T);
    if (!record)
      throw new ContractError(
        'UNKNOWN_EVENT_TYPE',
        `${JSON.stringify(type)} is not an event type of ${contract.domain} (${[...records.keys()].join(', ')})`,
      );
    return record;
  }

  function encodeBody(record: CodecRecord<T>, payload: unknown): Buffer {
    try {
      return record.reader.toBuffer(payload);
    } catch (error) {
      const problem = describeInvalidValue(record.reader, payload) ?? errorText(error);
      throw new ContractError(
        'INVALID_EVENT',
        `${record.type} does not match its schema v${record.version}: ${problem}`,
        { cause: error },
      );
    }
  }

  return {
    async registerAll() {
      const entries = await Promise.all(
        [...records.values()].map(async (record) => [record.type, await schemaIdOf(record)] as const),
      );
      return Object.fromEntries(entries) as Record<T, number>;
    },

    async encode(event) {
      const record = recordOf(event.type);
      const body = encodeBody(record, event.payload);
      const schemaId = await schemaIdOf(record);
      return { value: writeWireFormat(schemaId, body), schemaId };
    },

    decodeCached(value) {
      if (value === null) return TOMBSTONE;
      const schemaId = readSchemaId(value);
      if (typeof schemaId !== 'number') return schemaId;
      const writer = writers.get(schemaId);
      return writer && decodeBody(writer, value, schemaId);
    },

    async decode(value) {
      if (value === null) return TOMBSTONE;
      const schemaId = readSchemaId(value);
      if (typeof schemaId !== 'number') return schemaId;
      return decodeBody(writers.get(schemaId) ?? (await writers.resolve(schemaId)), value, schemaId);
    },
  };
}

function isFirstRegistrationRace(error: unknown): boolean {
  const e = error as { name?: string; status?: number; message?: string } | undefined;
  return (
    e?.name === 'ConfluentSchemaRegistryCompatibilityError' ||
    (e?.status === 409 && /rule named 'COMPATIBILITY' already exists/.test(e.message ?? ''))
  );
}

function positiveInteger(value: number, name: string): number {
  if (Number.isInteger(value) && value >= 1) return value;
  throw new ContractError('INVALID_OPTIONS', `${name} must be a positive integer, got ${value}`);
}
