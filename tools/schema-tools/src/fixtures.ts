import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fromJsonValue } from '@spr/contracts/avro';
import type { RecordSchemas, SchemaVersion } from './load-schemas.ts';

/**
 * Golden fixtures of a version: `<record>/fixtures/v<N>.json`, an event in the contract's JSON form (see
 * schemas/README.md), and `v<N>.avro`, its Avro body written with v<N> (no wire-format header). The bytes are
 * written once and never again: they stand for data already on topics, which must stay readable.
 */
export function fixtureFiles(record: RecordSchemas, version: number): { json: string; avro: string } {
  const dir = join(record.dir, 'fixtures');
  return { json: join(dir, `v${version}.json`), avro: join(dir, `v${version}.avro`) };
}

/** Display path of a fixture file, beside its schema's label. */
function labelOf(version: SchemaVersion, file: string): string {
  return join(dirname(version.label), 'fixtures', basename(file));
}

type Encoded = { ok: true; bytes: Buffer } | { ok: false; problem: string };

/** The fixture event of a version, encoded with that version's schema. */
export function encodeFixture(record: RecordSchemas, version: SchemaVersion): Encoded {
  const { json: file } = fixtureFiles(record, version.version);
  const label = labelOf(version, file);
  if (!existsSync(file))
    return { ok: false, problem: `${label}: missing: every version needs a fixture event (schemas/README.md)` };
  try {
    const value = fromJsonValue(version.type, JSON.parse(readFileSync(file, 'utf8')));
    return { ok: true, bytes: version.type.toBuffer(value) };
  } catch (error) {
    return {
      ok: false,
      problem: `${label}: not an event of v${version.version}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * Problems with the golden fixtures of a record: a missing file, bytes that no longer equal their JSON encoded
 * with their version, or bytes the current version cannot read (exactly, to the last byte).
 */
export function checkFixtures(record: RecordSchemas): string[] {
  const problems: string[] = [];
  const reader = record.versions[record.versions.length - 1]!;
  for (const version of record.versions) {
    const encoded = encodeFixture(record, version);
    if (!encoded.ok) {
      problems.push(encoded.problem);
      continue;
    }
    const { avro: file } = fixtureFiles(record, version.version);
    const label = labelOf(version, file);
    if (!existsSync(file)) {
      problems.push(
        `${label}: missing: run \`npx nx run @spr/schema-tools:fixtures\` to write it from v${version.version}.json`,
      );
      continue;
    }
    const golden = readFileSync(file);
    if (!golden.equals(encoded.bytes)) {
      problems.push(
        `${label}: differs from v${version.version}.json encoded with v${version.version}: golden bytes never change (restore them; to change the event, add a version)`,
      );
    }
    try {
      const resolver = reader.type.createResolver(version.type);
      const { offset } = reader.type.decode(golden, 0, resolver);
      if (offset !== golden.length)
        problems.push(`${label}: the current reader v${reader.version} reads ${offset} of its ${golden.length} bytes`);
    } catch (error) {
      problems.push(
        `${label}: the current reader v${reader.version} cannot read it: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return problems;
}

/** Writes the `.avro` of every version that has a fixture event but no bytes yet; existing bytes are never touched. */
export function writeMissingFixtures(record: RecordSchemas, log: (line: string) => void): string[] {
  const problems: string[] = [];
  for (const version of record.versions) {
    const { avro: file } = fixtureFiles(record, version.version);
    if (existsSync(file)) continue;
    const encoded = encodeFixture(record, version);
    if (!encoded.ok) {
      problems.push(encoded.problem);
      continue;
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, encoded.bytes);
    log(`wrote ${labelOf(version, file)} (${encoded.bytes.length} bytes)`);
  }
  return problems;
}
