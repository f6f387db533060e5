/** The evolution gate on the repo's schemas and on broken copies of them, as a function and through the CLI. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_GENERATED_DIR, DEFAULT_SCHEMAS_DIR } from './paths.ts';
import { runCheck } from './run-check.ts';
import { copySchemas, runCli, type TempSchemas } from './test-support/temp-schemas.ts';

let copy: TempSchemas | undefined;
afterEach(() => copy?.remove());

/** A v3 of PaymentCaptured without amount_minor, with a fixture, so only the compatibility rule can fail it. */
function addBreakingVersion(schemas: TempSchemas): void {
  const v2 = schemas.read('payments/PaymentCaptured/v2.avsc');
  const fields = (v2.fields as { name: string }[]).filter((f) => f.name !== 'amount_minor');
  schemas.write('payments/PaymentCaptured/v3.avsc', { ...v2, fields });
  const { amount_minor: _amount, ...event } = schemas.read('payments/PaymentCaptured/fixtures/v2.json');
  schemas.write('payments/PaymentCaptured/fixtures/v3.json', event);
}

describe('schemas:check', () => {
  it('passes on the repo, generated code included', async () => {
    const report = await runCheck({ schemasDir: DEFAULT_SCHEMAS_DIR, generatedDir: DEFAULT_GENERATED_DIR });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('fails a breaking version, naming the subject, the versions, the field and the rule', async () => {
    copy = copySchemas();
    addBreakingVersion(copy);
    const report = await runCheck({ schemasDir: copy.dir });
    expect(report.ok).toBe(false);
    expect(report.problems).toContain(
      "schemas/payments/PaymentCaptured: PaymentCaptured v3 removes field 'amount_minor' (no default): not forward compatible with v1, v2 (level FULL_TRANSITIVE)",
    );
  });

  it('through the CLI: exit 1 with the message on stderr, exit 0 on the repo, exit 2 on bad usage', async () => {
    copy = copySchemas();
    addBreakingVersion(copy);
    const broken = await runCli(['check', '--schemas', copy.dir]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('FAIL payments/PaymentCaptured v1..v3 FULL_TRANSITIVE');
    expect(broken.stderr).toContain(
      "error: schemas/payments/PaymentCaptured: PaymentCaptured v3 removes field 'amount_minor' (no default): not forward compatible with v1, v2",
    );

    const ok = await runCli(['check']);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toContain('check: all schemas pass');

    expect(await runCli(['frobnicate'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown command 'frobnicate'"),
    });
    expect(await runCli(['check', '--bogus'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--bogus'"),
    });
  });

  it('names the file and the problem of an invalid .avsc, in check and in codegen', async () => {
    copy = copySchemas();
    copy.write('payments/PaymentRefunded/v2.avsc', '{ "type": "record", "name": "PaymentRefunded", ');
    copy.write('payments/PaymentFailed/v2.avsc', {
      type: 'record',
      name: 'PaymentFailed',
      namespace: 'dev.spr.payments',
      doc: 'd',
      fields: [{ name: 'f', type: 'decimal', doc: 'd' }],
    });
    const report = await runCheck({ schemasDir: copy.dir });
    expect(report.problems).toEqual([
      expect.stringMatching(
        /^schemas\/payments\/PaymentRefunded\/v2\.avsc: invalid JSON: Expected double-quoted property name/,
      ),
      'schemas/payments/PaymentFailed/v2.avsc: not a valid Avro schema: undefined type name: dev.spr.payments.decimal',
    ]);
    const codegen = await runCli(['codegen', '--schemas', copy.dir, '--out', join(copy.dir, 'out')]);
    expect(codegen.code).toBe(1);
    expect(codegen.stderr).toContain('error: schemas/payments/PaymentRefunded/v2.avsc: invalid JSON');
  });

  it('enforces the house rules: docs, no floating point, optional-only unions, long amounts, names, no gaps', async () => {
    copy = copySchemas();
    const v1 = copy.read('payments/PaymentCancelled/v1.avsc');
    const fields = [
      { name: 'undocumented', type: 'string' },
      { name: 'rate', type: 'double', doc: 'd' },
      { name: 'either', type: ['string', 'int'], doc: 'd' },
      { name: 'fee_minor', type: 'int', doc: 'd' },
    ];
    copy.write('payments/PaymentCancelled/v2.avsc', { ...v1, fields: [...(v1.fields as unknown[]), ...fields] });
    copy.write('payments/PaymentFailed/v3.avsc', copy.read('payments/PaymentFailed/v1.avsc'));
    copy.write('payments/PaymentRefunded/v1.avsc', {
      ...copy.read('payments/PaymentRefunded/v1.avsc'),
      name: 'Refund',
    });
    const { problems } = await runCheck({ schemasDir: copy.dir });
    // In the order of contract.json: PaymentRefunded, PaymentFailed, PaymentCancelled.
    expect(problems).toEqual([
      "schemas/payments/PaymentRefunded/v1.avsc: defines dev.spr.payments.Refund, expected the record dev.spr.payments.PaymentRefunded (the directory's name in the contract's namespace)",
      'schemas/payments/PaymentFailed: v2.avsc is missing: versions run v1, v2, … without gaps (every published version is kept)',
      "schemas/payments/PaymentCancelled/v2.avsc: field 'undocumented' has no doc",
      "schemas/payments/PaymentCancelled/v2.avsc: field 'rate' is a double: the contract carries no floating point (money is long minor units)",
      'schemas/payments/PaymentCancelled/v2.avsc: field \'either\' is the union ["string","int"]: unions must be ["null", T] (an optional value)',
      'schemas/payments/PaymentCancelled/v2.avsc: field \'fee_minor\' is "int": amounts in minor units must be long',
    ]);
  });

  it('reports a record missing from contract.json and a contract.json that is wrong', async () => {
    copy = copySchemas();
    const contract = copy.read('payments/contract.json');
    const records = { ...(contract.records as Record<string, unknown>) };
    delete records.PaymentCancelled;
    copy.write('payments/contract.json', { ...contract, records, topic: 'bad topic', records2: {} });
    const { problems } = await runCheck({ schemasDir: copy.dir });
    expect(problems).toEqual([
      "schemas/payments/contract.json: unknown key 'records2' (known: $comment, namespace, topic, eventUnion, defaultCompatibility, records)",
      'schemas/payments/contract.json: \'topic\' must be a Kafka topic name, got "bad topic"',
    ]);
    copy.write('payments/contract.json', { ...contract, records });
    expect((await runCheck({ schemasDir: copy.dir })).problems).toEqual([
      'schemas/payments/PaymentCancelled: record directory not listed in schemas/payments/contract.json',
    ]);
  });

  it('guards the golden fixtures: missing, changed, or unreadable by the current version', async () => {
    copy = copySchemas();
    rmSync(join(copy.dir, 'payments/PaymentFailed/fixtures/v1.avro'));
    writeFileSync(join(copy.dir, 'payments/PaymentCancelled/fixtures/v1.avro'), Buffer.from([0]));
    copy.write('payments/PaymentRefunded/fixtures/v1.json', {
      ...copy.read('payments/PaymentRefunded/fixtures/v1.json'),
      amount_minor: 2500,
    });
    const { problems } = await runCheck({ schemasDir: copy.dir });
    expect(problems).toEqual([
      "schemas/payments/PaymentRefunded/fixtures/v1.json: not an event of v1: field 'amount_minor': expected a long as a decimal string, got 2500",
      'schemas/payments/PaymentFailed/fixtures/v1.avro: missing: run `npx nx run @spr/schema-tools:fixtures` to write it from v1.json',
      'schemas/payments/PaymentCancelled/fixtures/v1.avro: differs from v1.json encoded with v1: golden bytes never change (restore them; to change the event, add a version)',
      'schemas/payments/PaymentCancelled/fixtures/v1.avro: the current reader v1 reads -1 of its 1 bytes',
    ]);
  });

  it('fixtures writes the missing golden bytes and never rewrites existing ones', async () => {
    copy = copySchemas();
    rmSync(join(copy.dir, 'payments/PaymentFailed/fixtures/v1.avro'));
    writeFileSync(join(copy.dir, 'payments/PaymentCancelled/fixtures/v1.avro'), Buffer.from([0]));
    const run = await runCli(['fixtures', '--schemas', copy.dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('wrote schemas/payments/PaymentFailed/fixtures/v1.avro');
    expect(run.stdout).not.toContain('PaymentCancelled');
    expect((await runCheck({ schemasDir: copy.dir })).problems.every((p) => p.includes('PaymentCancelled'))).toBe(true);
  });
});
