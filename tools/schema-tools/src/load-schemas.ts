import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type avro from 'avsc';
import { parseAvroSchema, type CompatibilityLevel } from '@spr/contracts/avro';
import { canonicalSchema } from './canonical-schema.ts';
import { DOMAIN_CONFIG_FILE, parseDomainConfig, type DomainConfig } from './domain-config.ts';
import { lintSchema } from './lint-schema.ts';

/** One published version of a record: `schemas/<domain>/<record>/v<version>.avsc`. */
export interface SchemaVersion {
  readonly version: number;
  readonly file: string;
  /** The file's path for messages, e.g. `schemas/payments/PaymentCaptured/v2.avsc`. */
  readonly label: string;
  readonly json: unknown;
  readonly type: avro.Type;
  /** The text it is registered as. */
  readonly canonical: string;
}

export interface RecordSchemas {
  readonly name: string;
  readonly fullName: string;
  readonly dir: string;
  readonly label: string;
  readonly compatibility: CompatibilityLevel;
  /** v1 … vN, in order, none missing. */
  readonly versions: readonly SchemaVersion[];
}

export interface DomainSchemas {
  readonly domain: string;
  readonly dir: string;
  readonly config: DomainConfig;
  readonly records: readonly RecordSchemas[];
}

export type LoadedSchemas =
  { ok: true; domains: readonly DomainSchemas[] } | { ok: false; problems: readonly string[] };

const VERSION_FILE = /^v([1-9][0-9]*)\.avsc$/;
const DOMAIN_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Reads and validates every schema under `schemasDir` (`<domain>/contract.json`, `<domain>/<record>/v<N>.avsc`).
 * Problems name the file and what is wrong; all of them are reported, not just the first.
 */
export function loadSchemas(schemasDir: string): LoadedSchemas {
  const labelOf = (path: string) => relative(dirname(schemasDir), path);
  if (!existsSync(schemasDir)) return { ok: false, problems: [`${schemasDir}: no such directory`] };
  const problems: string[] = [];
  const domains: DomainSchemas[] = [];
  for (const domain of subdirectories(schemasDir)) {
    const dir = join(schemasDir, domain);
    if (!DOMAIN_NAME.test(domain))
      problems.push(`${labelOf(dir)}: a domain directory's name must be lower-case letters, digits and dashes`);
    const loaded = loadDomain(domain, dir, labelOf, problems);
    if (loaded) domains.push(loaded);
  }
  if (problems.length === 0 && domains.length === 0)
    problems.push(`${labelOf(schemasDir)}: no domain with a ${DOMAIN_CONFIG_FILE}`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, domains };
}

function loadDomain(
  domain: string,
  dir: string,
  labelOf: (path: string) => string,
  problems: string[],
): DomainSchemas | undefined {
  const configFile = join(dir, DOMAIN_CONFIG_FILE);
  if (!existsSync(configFile)) {
    problems.push(
      `${labelOf(dir)}: no ${DOMAIN_CONFIG_FILE} (it names the topic, the namespace and each record's compatibility level)`,
    );
    return undefined;
  }
  const json = readJson(configFile, labelOf(configFile), problems);
  if (json === undefined) return undefined;
  const parsed = parseDomainConfig(json, labelOf(configFile));
  if (!parsed.ok) {
    problems.push(...parsed.problems);
    return undefined;
  }
  const { config } = parsed;
  const listed = new Set(config.records.map((r) => r.name));
  for (const unlisted of subdirectories(dir).filter((d) => !listed.has(d))) {
    problems.push(`${labelOf(join(dir, unlisted))}: record directory not listed in ${labelOf(configFile)}`);
  }
  const records = config.records.map((r) =>
    loadRecord({ ...r, dir: join(dir, r.name), fullName: `${config.namespace}.${r.name}` }, labelOf, problems),
  );
  return records.every((r) => r !== undefined) ? { domain, dir, config, records } : undefined;
}

function loadRecord(
  record: { name: string; fullName: string; dir: string; compatibility: CompatibilityLevel },
  labelOf: (path: string) => string,
  problems: string[],
): RecordSchemas | undefined {
  const label = labelOf(record.dir);
  if (!existsSync(record.dir)) {
    problems.push(`${label}: missing (the contract lists ${record.name}; add ${label}/v1.avsc)`);
    return undefined;
  }
  const numbers: number[] = [];
  for (const file of readdirSync(record.dir).filter((f) => f.endsWith('.avsc'))) {
    const match = VERSION_FILE.exec(file);
    if (match) numbers.push(Number(match[1]));
    else problems.push(`${labelOf(join(record.dir, file))}: a schema file must be named v<N>.avsc (N = 1, 2, …)`);
  }
  numbers.sort((a, b) => a - b);
  if (numbers.length === 0) problems.push(`${label}: no v1.avsc`);
  const gap = numbers.findIndex((n, i) => n !== i + 1);
  if (gap !== -1)
    problems.push(
      `${label}: v${gap + 1}.avsc is missing: versions run v1, v2, … without gaps (every published version is kept)`,
    );

  const versions = numbers.map((version) => loadVersion(record, version, labelOf, problems));
  if (gap !== -1 || numbers.length === 0 || versions.some((v) => v === undefined)) return undefined;
  return { ...record, label, versions: versions as SchemaVersion[] };
}

function loadVersion(
  record: { fullName: string; dir: string },
  version: number,
  labelOf: (path: string) => string,
  problems: string[],
): SchemaVersion | undefined {
  const file = join(record.dir, `v${version}.avsc`);
  const label = labelOf(file);
  const json = readJson(file, label, problems);
  if (json === undefined) return undefined;
  const lint = lintSchema(json);
  let type: avro.Type;
  try {
    type = parseAvroSchema(json);
  } catch (error) {
    problems.push(
      `${label}: not a valid Avro schema: ${error instanceof Error ? error.message : String(error)}`,
      ...lint.map((p) => `${label}: ${p}`),
    );
    return undefined;
  }
  if (type.name !== record.fullName)
    lint.unshift(
      `defines ${type.name ?? `an unnamed ${type.typeName}`}, expected the record ${record.fullName} (the directory's name in the contract's namespace)`,
    );
  problems.push(...lint.map((p) => `${label}: ${p}`));
  return lint.length > 0 ? undefined : { version, file, label, json, type, canonical: canonicalSchema(json) };
}

function readJson(file: string, label: string, problems: string[]): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`${label}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function subdirectories(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isDirectory())
    .sort();
}
