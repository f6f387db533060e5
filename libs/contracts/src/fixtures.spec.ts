/**
 * G6: every published version's golden bytes decode with the current reader, into the values of its fixture event;
 * fields added after the version take their defaults.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { fromJsonValue, toJsonValue } from './avro/json-value.ts';
import { PAYMENTS_CONTRACT } from './generated/payments.ts';
import { paymentTypes } from './payment-codec.ts';
import { paymentFixtures } from './test-support/golden-fixtures.ts';

const readers = paymentTypes();
const fixtures = paymentFixtures();

describe('golden fixtures', () => {
  it('cover every version of every payments record', () => {
    const expected = Object.values(PAYMENTS_CONTRACT.records).flatMap((r) =>
      Array.from({ length: r.version }, (_, i) => `${r.type} v${i + 1}`),
    );
    expect(fixtures.map((f) => `${f.type} v${f.version}`)).toEqual(expected);
  });

  it.each(fixtures.map((f) => [`${f.type} v${f.version}`, f] as const))(
    '%s decodes with the current reader',
    (_, fixture) => {
      const reader = readers[fixture.type];
      const { value, offset } = reader.decode(fixture.body, 0, reader.createResolver(fixture.writer));
      expect(offset).toBe(fixture.body.length);

      const fields = (reader as avro.types.RecordType).fields;
      const expected = Object.fromEntries(
        fields.map((field) => [
          field.name,
          field.name in fixture.json ? fromJsonValue(field.type, fixture.json[field.name]) : field.defaultValue(),
        ]),
      );
      expect(value).toEqual(expected);
      expect(fields.filter((f) => !(f.name in fixture.json)).every((f) => f.defaultValue() !== undefined)).toBe(true);
    },
  );

  it('keep money exact beyond 2^53 (bigint, not number)', () => {
    const initiated = fixtures.find((f) => f.type === 'PaymentInitiated')!;
    const value = readers.PaymentInitiated.fromBuffer(initiated.body) as { amount_minor: bigint };
    expect(value.amount_minor).toBe(9_007_199_254_740_993n);
    expect(toJsonValue(readers.PaymentInitiated, value)).toMatchObject({ amount_minor: '9007199254740993' });
  });
});
