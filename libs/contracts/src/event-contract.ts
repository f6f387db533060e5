import type { CompatibilityLevel } from './avro/compatibility-level.ts';

/** An event of a domain: the record type's short name and its decoded payload. */
export interface AnyEvent {
  type: string;
  payload: object;
}

/** The current version of one record type, as generated from `schemas/<domain>/<type>/v<version>.avsc`. */
export interface RecordContract<T extends string = string> {
  readonly type: T;
  /** Namespace-qualified record name: the subject's suffix and the name writers must use. */
  readonly fullName: string;
  readonly version: number;
  readonly compatibility: CompatibilityLevel;
  /** The schema exactly as registered (its canonical JSON text): the registry deduplicates by text. */
  readonly schema: string;
}

/** A domain's contract: every record type one topic of that domain carries. */
export interface EventContract<E extends AnyEvent> {
  readonly domain: string;
  readonly defaultTopic: string;
  readonly records: { readonly [T in E['type']]: RecordContract<T> };
}
