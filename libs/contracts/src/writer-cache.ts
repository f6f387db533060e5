import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { parseAvroSchema } from './avro/parse-avro-schema.ts';
import { classifyRegistryError, errorText } from './registry-errors.ts';

type Resolver = ReturnType<avro.Type['createResolver']>;

/** A record type the codec reads, in its current version. */
export interface ReaderRecord<T extends string> {
  readonly type: T;
  readonly version: number;
  readonly reader: avro.Type;
}

/** What a writer schema id means to the codec. */
export type WriterLookup<T extends string> =
  | { readonly kind: 'readable'; readonly type: T; readonly reader: avro.Type; readonly resolver: Resolver }
  | {
      readonly kind: 'rejected';
      readonly reason: 'UNKNOWN_SCHEMA_ID' | 'UNKNOWN_RECORD_TYPE' | 'INCOMPATIBLE_SCHEMA';
      readonly error: string;
    }
  | { readonly kind: 'unavailable'; readonly error: string };

export interface WriterCache<T extends string> {
  /** Synchronous: the answer for an id already resolved, else undefined. */
  get(schemaId: number): WriterLookup<T> | undefined;
  /** Asks the registry once per id (concurrent callers share the request); transient failures are not cached. */
  resolve(schemaId: number): Promise<WriterLookup<T>>;
  /** Seeds an id whose schema is known to be the current version of a record (the codec registered it). */
  remember(schemaId: number, record: ReaderRecord<T>): void;
}

export interface WriterCacheOptions<T extends string> {
  readonly registry: Pick<SchemaRegistry, 'getSchema'>;
  /** The records the codec reads, by full name. */
  readonly readers: ReadonlyMap<string, ReaderRecord<T>>;
  /** Look-ups of an id the registry does not know before it is answered from the negative cache. */
  readonly unknownIdLookups: number;
  /** Bound on remembered unknown ids: garbage ids must not grow memory without limit. */
  readonly maxUnknownIds: number;
}

/**
 * Writer schemas by id, each with a resolver from the writer to the current reader, built once per id: decoding a
 * cached id parses nothing and awaits nothing.
 */
export function createWriterCache<T extends string>(options: WriterCacheOptions<T>): WriterCache<T> {
  const { registry, readers, unknownIdLookups, maxUnknownIds } = options;
  const readable = new Map<number, WriterLookup<T>>();
  const rejected = new Map<number, WriterLookup<T>>();
  const notFoundCounts = new Map<number, number>();
  const inFlight = new Map<number, Promise<WriterLookup<T>>>();

  const get = (schemaId: number) => readable.get(schemaId) ?? rejected.get(schemaId);

  function bounded<V>(map: Map<number, V>, schemaId: number, value: V): void {
    if (!map.has(schemaId) && map.size >= maxUnknownIds) map.delete(map.keys().next().value!);
    map.set(schemaId, value);
  }

  function notFound(schemaId: number): WriterLookup<T> {
    const count = (notFoundCounts.get(schemaId) ?? 0) + 1;
    const error = `schema id ${schemaId} is not in the registry (look-up ${count} of ${unknownIdLookups})`;
    const lookup: WriterLookup<T> = { kind: 'rejected', reason: 'UNKNOWN_SCHEMA_ID', error };
    if (count >= unknownIdLookups) {
      notFoundCounts.delete(schemaId);
      bounded(rejected, schemaId, lookup);
    } else {
      bounded(notFoundCounts, schemaId, count);
    }
    return lookup;
  }

  function lookupFor(schemaId: number, fetched: unknown): WriterLookup<T> {
    const reject = (reason: 'UNKNOWN_RECORD_TYPE' | 'INCOMPATIBLE_SCHEMA', error: string): WriterLookup<T> => ({
      kind: 'rejected',
      reason,
      error,
    });
    if (!avro.Type.isType(fetched)) return reject('UNKNOWN_RECORD_TYPE', `schema id ${schemaId} is not an Avro schema`);
    let writer: avro.Type;
    try {
      // Re-parsed so the writer has the contract's types, whatever options the registry client parses with.
      writer = parseAvroSchema((fetched as avro.Type).schema());
    } catch (error) {
      return reject(
        'UNKNOWN_RECORD_TYPE',
        `schema id ${schemaId} is not a schema this codec can parse: ${errorText(error)}`,
      );
    }
    const record = writer.name === undefined ? undefined : readers.get(writer.name);
    if (!record) {
      const known = [...readers.keys()].join(', ');
      return reject(
        'UNKNOWN_RECORD_TYPE',
        `schema id ${schemaId} is ${writer.name ?? `an unnamed ${writer.typeName}`}, not one of ${known}`,
      );
    }
    try {
      return {
        kind: 'readable',
        type: record.type,
        reader: record.reader,
        resolver: record.reader.createResolver(writer),
      };
    } catch (error) {
      return reject(
        'INCOMPATIBLE_SCHEMA',
        `schema id ${schemaId} (${writer.name}) cannot be read as ${record.type} v${record.version}: ` +
          errorText(error),
      );
    }
  }

  async function fetchWriter(schemaId: number): Promise<WriterLookup<T>> {
    let fetched: unknown;
    try {
      fetched = await registry.getSchema(schemaId);
    } catch (error) {
      if (classifyRegistryError(error) === 'NOT_FOUND') return notFound(schemaId);
      return { kind: 'unavailable', error: `schema id ${schemaId}: the registry did not answer: ${errorText(error)}` };
    }
    notFoundCounts.delete(schemaId);
    const lookup = lookupFor(schemaId, fetched);
    if (lookup.kind === 'readable') readable.set(schemaId, lookup);
    else bounded(rejected, schemaId, lookup);
    return lookup;
  }

  return {
    get,
    resolve(schemaId) {
      const known = get(schemaId);
      if (known) return Promise.resolve(known);
      let pending = inFlight.get(schemaId);
      if (!pending) {
        pending = fetchWriter(schemaId).finally(() => inFlight.delete(schemaId));
        inFlight.set(schemaId, pending);
      }
      return pending;
    },
    remember(schemaId, record) {
      readable.set(schemaId, {
        kind: 'readable',
        type: record.type,
        reader: record.reader,
        resolver: record.reader.createResolver(record.reader),
      });
    },
  };
}
