import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type avro from 'avsc';
import { parseAvroSchema } from '../avro/parse-avro-schema.ts';
import { PAYMENTS_CONTRACT, type PaymentEventType } from '../generated/payments.ts';

export const SCHEMAS_DIR = resolve(import.meta.dirname, '..', '..', '..', '..', 'schemas');

/** A golden fixture of schemas/payments: one version's event in JSON form, and its Avro body. */
export interface GoldenFixture {
  readonly type: PaymentEventType;
  readonly version: number;
  readonly writer: avro.Type;
  readonly json: Record<string, unknown>;
  readonly body: Buffer;
}

/** Every fixture of every payments record, read from the checked-in files. */
export function paymentFixtures(): GoldenFixture[] {
  return Object.values(PAYMENTS_CONTRACT.records).flatMap((record) => {
    const dir = join(SCHEMAS_DIR, PAYMENTS_CONTRACT.domain, record.type);
    const versions = readdirSync(dir)
      .map((file) => /^v(\d+)\.avsc$/.exec(file)?.[1])
      .filter((v) => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    return versions.map((version) => {
      const fixture = (ext: string) => join(dir, 'fixtures', `v${version}.${ext}`);
      if (!existsSync(fixture('avro'))) throw new Error(`${fixture('avro')} is missing`);
      return {
        type: record.type,
        version,
        writer: parseAvroSchema(JSON.parse(readFileSync(join(dir, `v${version}.avsc`), 'utf8'))),
        json: JSON.parse(readFileSync(fixture('json'), 'utf8')) as Record<string, unknown>,
        body: readFileSync(fixture('avro')),
      };
    });
  });
}
