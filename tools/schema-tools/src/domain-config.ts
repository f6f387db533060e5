import {
  DEFAULT_COMPATIBILITY,
  isCompatibilityLevel,
  isValidTopicName,
  type CompatibilityLevel,
} from '@spr/contracts/avro';

export const DOMAIN_CONFIG_FILE = 'contract.json';

/** `schemas/<domain>/contract.json`: what one topic of a domain carries and how strictly each record evolves. */
export interface DomainConfig {
  readonly namespace: string;
  /** The default topic; subjects are `<topic>-<namespace>.<record>`. */
  readonly topic: string;
  /** Name of the generated discriminated union of the domain's events, e.g. `PaymentEvent`. */
  readonly eventUnion: string;
  /** In the order the file lists them (the generated union keeps it). */
  readonly records: readonly { readonly name: string; readonly compatibility: CompatibilityLevel }[];
}

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAMESPACE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;
const KEYS = ['$comment', 'namespace', 'topic', 'eventUnion', 'defaultCompatibility', 'records'];

export type DomainConfigResult = { ok: true; config: DomainConfig } | { ok: false; problems: string[] };

/** Validates a parsed contract.json; every problem names the key and what is wrong with it. */
export function parseDomainConfig(json: unknown, label: string): DomainConfigResult {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(`${label}: ${text}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, problems: [`${label}: must be a JSON object`] };
  const raw = json as Record<string, unknown>;
  for (const key of Object.keys(raw).filter((k) => !KEYS.includes(k)))
    problem(`unknown key '${key}' (known: ${KEYS.join(', ')})`);

  const text = (key: string, pattern: RegExp | ((v: string) => boolean), what: string): string => {
    const value = raw[key];
    const valid = typeof value === 'string' && (typeof pattern === 'function' ? pattern(value) : pattern.test(value));
    if (!valid) problem(`'${key}' must be ${what}, got ${JSON.stringify(value)}`);
    return typeof value === 'string' ? value : '';
  };
  const namespace = text('namespace', NAMESPACE, 'an Avro namespace such as "dev.spr.payments"');
  const topic = text('topic', isValidTopicName, 'a Kafka topic name');
  const eventUnion = text('eventUnion', TYPE_NAME, 'a TypeScript type name such as "PaymentEvent"');

  const defaultLevel = raw.defaultCompatibility ?? DEFAULT_COMPATIBILITY;
  if (!isCompatibilityLevel(defaultLevel))
    problem(`'defaultCompatibility' ${JSON.stringify(defaultLevel)} is not a compatibility level`);

  const records: { name: string; compatibility: CompatibilityLevel }[] = [];
  const rawRecords = raw.records;
  if (
    typeof rawRecords !== 'object' ||
    rawRecords === null ||
    Array.isArray(rawRecords) ||
    Object.keys(rawRecords).length === 0
  ) {
    problem(`'records' must be an object with one entry per record, e.g. { "PaymentInitiated": {} }`);
  } else {
    for (const [name, entry] of Object.entries(rawRecords)) {
      if (!AVRO_NAME.test(name)) problem(`record '${name}' is not a valid Avro name`);
      const settings = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      for (const key of Object.keys(settings).filter((k) => k !== 'compatibility'))
        problem(`record '${name}': unknown key '${key}' (known: compatibility)`);
      const level = settings.compatibility ?? defaultLevel;
      if (!isCompatibilityLevel(level))
        problem(
          `record '${name}': compatibility ${JSON.stringify(level)} is not one of NONE, BACKWARD[_TRANSITIVE], FORWARD[_TRANSITIVE], FULL[_TRANSITIVE]`,
        );
      else records.push({ name, compatibility: level });
    }
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, config: { namespace, topic, eventUnion, records } };
}
