/**
 * The deployable: the esbuild bundle, run with plain `node main.mjs` from another directory against the real
 * stack. It migrates its schema (MIGRATE_ON_START, with the migrations it carries), serves, publishes, and stops
 * on SIGTERM with exit code 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabaseSchema, createTestTopic, testKafka, testStack, uniqueName, waitFor } from '@spr/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleApp } from '@spr/app-bundler';
import { hashApiKey } from './api-keys.ts';
import { deleteSubjects } from './test-support/gateway-harness.ts';

const stack = testStack();
const outdir = mkdtempSync(join(tmpdir(), 'spr-gateway-bundle-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'spr-gateway-cwd-'));
let bundle: string;

beforeAll(async () => {
  bundle = (await bundleApp({ projectRoot: join(import.meta.dirname, '..'), entries: ['src/main.ts'], outdir }))
    .files[0]!;
});
afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

function run(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [bundle], {
    cwd: elsewhere,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

/** A JSON log line, or undefined for other output (Node's own warnings on stderr). */
function jsonLine(line: string): { message?: string; port?: number } | undefined {
  if (!line.startsWith('{')) return undefined;
  return JSON.parse(line) as { message?: string; port?: number };
}

describe('the bundle (dist/main.mjs)', () => {
  it('starts from any directory, migrates, serves, publishes and stops on SIGTERM with exit code 0', async () => {
    const schema = await createTestDatabaseSchema(stack.databaseUrl, 'bundle');
    const kafka = testKafka(stack.kafkaBrokers);
    const admin = kafka.admin();
    await admin.connect();
    const topic = await createTestTopic(admin, { prefix: 'bundle_payments', partitions: 6 });
    const key = 'sk_bundle_test_1';
    const gateway = run({
      DATABASE_URL: schema.databaseUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      PAYMENTS_TOPIC: topic,
      GATEWAY_API_KEYS: `ops:${hashApiKey(key)}`,
      PORT: '0',
      MIGRATE_ON_START: 'true',
    });
    try {
      const started = await waitFor(
        () => gateway.lines.map(jsonLine).find((l) => l?.message === 'producer gateway started'),
        {
          what: 'the bundled gateway to start',
          timeoutMs: 60_000,
        },
      );
      const base = `http://127.0.0.1:${started.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'ok' });
      const created = await fetch(`${base}/v1/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key, 'idempotency-key': uniqueName('idem') },
        body: JSON.stringify({
          customer_id: 'c1',
          merchant_id: 'm1',
          amount_minor: '100',
          currency: 'EUR',
          payment_method: 'CARD',
        }),
      });
      expect(created.status).toBe(201);
      // The bundle's relay publishes the payment's outbox row (it may still be taking the relay lock when the
      // 201 comes back: a row committed before the relay leads stays for it, or for the next gateway).
      const db = new pg.Client({ connectionString: schema.databaseUrl });
      await db.connect();
      try {
        await waitFor(
          async () =>
            (await db.query<{ published: boolean }>('select published_at is not null as published from outbox')).rows[0]
              ?.published,
          {
            what: 'the outbox row to be published',
            timeoutMs: 60_000,
          },
        );
      } finally {
        await db.end();
      }

      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      expect(gateway.lines.some((l) => l.includes('"message":"producer gateway stopped"'))).toBe(true);
      expect(gateway.lines.join('\n')).not.toContain(key);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await admin.deleteTopics({ topics: [topic] }).finally(() => admin.disconnect());
      await schema.drop();
      await deleteSubjects(stack.schemaRegistryUrl, topic);
    }
  });

  it('exits with code 2 and names every bad variable when the configuration is wrong', async () => {
    const gateway = run({
      PORT: 'eighty',
      KAFKA_BROKERS: '127.0.0.1:19092',
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    });
    expect(await gateway.exited).toBe(2);
    const output = gateway.lines.join('\n');
    expect(output).toContain('PORT=eighty must be an integer');
    expect(output).toContain('DATABASE_URL is not set');
    expect(output).toContain('GATEWAY_API_KEYS is not set');
  });
});
