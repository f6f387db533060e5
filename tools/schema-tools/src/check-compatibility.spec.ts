import { parseAvroSchema, type CompatibilityLevel } from '@spr/contracts/avro';
import { describe, expect, it } from 'vitest';
import { checkCompatibility } from './check-compatibility.ts';

const base = [
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'long' },
];
const versionsOf = (...fieldLists: unknown[][]) =>
  fieldLists.map((fields, i) => ({
    version: i + 1,
    type: parseAvroSchema({ type: 'record', name: 'PaymentCaptured', namespace: 'dev.spr.test', fields }),
  }));
const messages = (level: CompatibilityLevel, ...fieldLists: unknown[][]) =>
  checkCompatibility('PaymentCaptured', versionsOf(...fieldLists), level).map((v) => v.message);

const optionalNote = { name: 'note', type: ['null', 'string'], default: null };
const enumField = (symbols: string[], dflt?: string) => ({
  name: 'method',
  type: { type: 'enum', name: 'Method', symbols, ...(dflt ? { default: dflt } : {}) },
});

describe('checkCompatibility', () => {
  it('accepts an optional field with a default under every level', () => {
    for (const level of ['BACKWARD', 'FORWARD', 'FULL_TRANSITIVE'] as const)
      expect(messages(level, base, [...base, optionalNote])).toEqual([]);
  });

  it('names the field, the versions and the rule of a removed field without default', () => {
    expect(messages('FULL_TRANSITIVE', base, [...base, optionalNote], [base[0], optionalNote])).toEqual([
      "PaymentCaptured v3 removes field 'amount' (no default): not forward compatible with v1, v2",
    ]);
  });

  it('a field added without default breaks backward compatibility only', () => {
    const added = [...base, { name: 'fee', type: 'long' }];
    expect(messages('FULL', base, added)).toEqual([
      "PaymentCaptured v2 adds field 'fee' without a default: not backward compatible with v1",
    ]);
    expect(messages('FORWARD', base, added)).toEqual([]);
  });

  it('names both directions of a changed type', () => {
    expect(messages('FULL', base, [base[0], { name: 'amount', type: 'string' }])).toEqual([
      "PaymentCaptured v2 changes the type of field 'amount' from long to string: not backward compatible with v1",
      "PaymentCaptured v2 changes the type of field 'amount' from long to string: not forward compatible with v1",
    ]);
  });

  it('allows the promotions Avro defines (int to long) in the direction it defines them', () => {
    const asInt = [base[0], { name: 'amount', type: 'int' }];
    expect(messages('BACKWARD', asInt, base)).toEqual([]);
    expect(messages('FORWARD', asInt, base)).toEqual([
      "PaymentCaptured v2 changes the type of field 'amount' from int to long: not forward compatible with v1",
    ]);
  });

  it('an optional field made required is a type change', () => {
    expect(
      messages('BACKWARD', [...base, optionalNote], [...base, { name: 'note', type: 'string', default: '' }]),
    ).toEqual([
      "PaymentCaptured v2 changes the type of field 'note' from null | string to string: not backward compatible with v1",
    ]);
  });

  it('enum symbols: removing one breaks old data, adding one breaks old readers, unless the enum has a default', () => {
    expect(messages('BACKWARD', [enumField(['CARD', 'WALLET'])], [enumField(['CARD'])])).toEqual([
      "PaymentCaptured v2 removes symbol 'WALLET' from enum dev.spr.test.Method (field 'method'), which has no default: not backward compatible with v1",
    ]);
    expect(messages('FORWARD', [enumField(['CARD'])], [enumField(['CARD', 'WALLET'])])).toEqual([
      "PaymentCaptured v2 adds symbol 'WALLET' to enum dev.spr.test.Method (field 'method'), which has no default for readers that do not know it: not forward compatible with v1",
    ]);
    expect(
      messages(
        'FULL_TRANSITIVE',
        [enumField(['CARD', 'OTHER'], 'OTHER')],
        [enumField(['CARD', 'WALLET', 'OTHER'], 'OTHER')],
      ),
    ).toEqual([]);
  });

  it('follows into nested records', () => {
    const payer = (fields: unknown[]) => ({ name: 'payer', type: { type: 'record', name: 'Payer', fields } });
    expect(messages('FORWARD', [payer([{ name: 'iban', type: 'string' }])], [payer([])])).toEqual([
      "PaymentCaptured v2 removes field 'payer.iban' (no default): not forward compatible with v1",
    ]);
  });

  it('checks against every earlier version when transitive, only the previous one otherwise', () => {
    const v1 = base;
    const v2 = [...base, { name: 'fee', type: 'long', default: 0 }];
    const v3 = [base[0], { name: 'fee', type: 'long', default: 0 }, { name: 'amount', type: 'long', default: 0 }];
    const v4 = [base[0], { name: 'fee', type: 'long', default: 0 }];
    expect(messages('FORWARD', v1, v2, v3, v4)).toEqual([]);
    expect(messages('FORWARD_TRANSITIVE', v1, v2, v3, v4)).toEqual([
      "PaymentCaptured v4 removes field 'amount' (no default): not forward compatible with v1, v2",
    ]);
  });

  it('checks nothing under NONE', () => {
    expect(messages('NONE', base, [{ name: 'other', type: 'int' }])).toEqual([]);
  });
});
