/** schemas:register and schemas:check against the real registry, on a unique topic (hence unique subjects). */
import { testStack, uniqueName } from '@spr/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalSchema } from './canonical-schema.ts';
import { DEFAULT_SCHEMAS_DIR } from './paths.ts';
import { createRegistryHttp } from './registry-http.ts';
import { runCheck } from './run-check.ts';
import { runRegister } from './run-register.ts';
import { copySchemas, runCli } from './test-support/temp-schemas.ts';

const { schemaRegistryUrl } = testStack();
const registry = createRegistryHttp(schemaRegistryUrl);
const topics: string[] = [];
const RECORDS = [
  'PaymentInitiated',
  'PaymentAuthorized',
  'PaymentCaptured',
  'PaymentRefunded',
  'PaymentFailed',
  'PaymentCancelled',
];

function newTopic(): string {
  const topic = uniqueName('payments');
  topics.push(topic);
  return topic;
}

afterAll(async () => {
  for (const topic of topics) {
    for (const record of RECORDS) {
      const subject = `${topic}-dev.spr.payments.${record}`;
      if ((await registry.versions(subject)) === undefined) continue;
      for (const permanent of ['', '?permanent=true']) {
        const response = await fetch(`${schemaRegistryUrl}/subjects/${subject}${permanent}`, { method: 'DELETE' });
        if (!response.ok) throw new Error(`could not delete ${subject}: ${response.status} ${await response.text()}`);
      }
    }
  }
});

describe('schemas:register and schemas:check with a registry', () => {
  it('registers every version in order with each level, idempotently, and then checks clean', async () => {
    const topic = newTopic();
    const cli = await runCli(['register', '--registry', schemaRegistryUrl, '--topic', topic]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`${topic}-dev.spr.payments.PaymentCaptured: level FULL_TRANSITIVE (was unset)`);
    expect(cli.stdout).toMatch(
      new RegExp(`${topic}-dev\\.spr\\.payments\\.PaymentCaptured: v2 registered \\(schema id \\d+\\)`),
    );
    expect(cli.stdout).toContain('register: 7 registered, 0 already registered');

    const subject = `${topic}-dev.spr.payments.PaymentCaptured`;
    expect(await registry.versions(subject)).toEqual([1, 2]);
    expect(await registry.level(subject)).toBe('FULL_TRANSITIVE');
    const v1 = copySchemas();
    try {
      // Apicurio answers with its own key order: compare the canonical forms.
      const { schema } = await registry.version(subject, 1);
      expect(canonicalSchema(JSON.parse(schema))).toBe(canonicalSchema(v1.read('payments/PaymentCaptured/v1.avsc')));
    } finally {
      v1.remove();
    }

    const again = await runRegister({ schemasDir: DEFAULT_SCHEMAS_DIR, registryUrl: schemaRegistryUrl, topic });
    expect(again).toEqual({ ok: true, problems: [], registered: 0, alreadyRegistered: 7 });

    const check = await runCheck({
      schemasDir: DEFAULT_SCHEMAS_DIR,
      registry: { url: schemaRegistryUrl, required: true },
      topic,
    });
    expect(check).toEqual({ ok: true, problems: [], warnings: [] });
  });

  it('the CLI check uses SCHEMA_REGISTRY_URL when set, and says which subjects are not registered yet', async () => {
    const topic = newTopic();
    const cli = await runCli(['check', '--topic', topic], { SCHEMA_REGISTRY_URL: schemaRegistryUrl });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`registry ${schemaRegistryUrl}`);
    expect(cli.stdout).toContain(`${topic}-dev.spr.payments.PaymentInitiated: not registered yet`);
  });

  it('reports a registry version that did not pass the gate, and the level it differs in', async () => {
    const topic = newTopic();
    expect((await runRegister({ schemasDir: DEFAULT_SCHEMAS_DIR, registryUrl: schemaRegistryUrl, topic })).ok).toBe(
      true,
    );
    const subject = `${topic}-dev.spr.payments.PaymentFailed`;
    await registry.setLevel(subject, 'NONE');
    const copy = copySchemas();
    try {
      const v1 = copy.read('payments/PaymentFailed/v1.avsc');
      const rogueField = { name: 'rogue', type: ['null', 'string'], default: null, doc: 'Registered by hand.' };
      const rogue = { ...v1, fields: [...(v1.fields as unknown[]), rogueField] };
      expect(await registry.register(subject, canonicalSchema(rogue))).toMatchObject({ ok: true });
    } finally {
      copy.remove();
    }
    const check = await runCheck({
      schemasDir: DEFAULT_SCHEMAS_DIR,
      registry: { url: schemaRegistryUrl, required: true },
      topic,
    });
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${subject}: registry version 2 \\(schema id \\d+\\) is none of schemas/payments/PaymentFailed/v1\\.\\.v1\\.avsc: it reached the registry without this gate`,
        ),
      ),
    ]);
    expect(check.warnings).toEqual([
      `${subject}: the registry's level is NONE, contract.json says FULL_TRANSITIVE (npm run schemas:register sets it)`,
    ]);
  });

  it('registers nothing when the offline gate fails; defaults to the local stack; fails when an explicit registry does not answer', async () => {
    const topic = newTopic();
    const copy = copySchemas();
    try {
      copy.write('payments/PaymentFailed/v2.avsc', { ...copy.read('payments/PaymentFailed/v1.avsc'), fields: [] });
      const report = await runRegister({ schemasDir: copy.dir, registryUrl: schemaRegistryUrl, topic });
      expect(report.ok).toBe(false);
      expect(report.problems[0]).toBe('not registering: the schemas do not pass the check');
      expect(await registry.versions(`${topic}-dev.spr.payments.PaymentInitiated`)).toBeUndefined();
    } finally {
      copy.remove();
    }
    const unreachable = await runCli(['check', '--registry', 'http://127.0.0.1:9/apis/ccompat/v7']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('error: registry http://127.0.0.1:9/apis/ccompat/v7 does not answer');
    const toLocalStack = await runCli(['register', '--schemas', '/nonexistent/schemas'], { SPR_REGISTRY_PORT: '9' });
    expect(toLocalStack.stdout).toContain("registry: the local stack's, http://127.0.0.1:9/apis/ccompat/v7");
  });
});
