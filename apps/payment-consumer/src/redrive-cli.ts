#!/usr/bin/env node
/**
 * Operator command: re-applies parked events and dead letters after a fix.
 *
 *   redrive parked [--entity payment:<id>] [--release]
 *   redrive dead-letters [--id <n>]... [--reason <CODE>]
 *
 * Uses the consumer's settings (DATABASE_URL, SCHEMA_REGISTRY_URL, PAYMENTS_TOPIC, CONSUMER_GROUP) and is safe
 * to run while the consumer runs (it locks each entity it touches). Prints a JSON report.
 */
import { parseArgs } from 'node:util';
import { redriveDeadLetters, redriveParked } from '@spr/consumer-runtime';
import { createPaymentCodec } from '@spr/contracts';
import { createPool } from '@spr/ledger-db';
import { silenceKnownDependencyWarnings } from '@spr/observability';
import { createSchemaRegistryClient, parseCompositeKey, readSchemaRegistryConfig } from '@spr/routing';
import { ConfigError, EXIT_CODES, POSTGRES_URL, readEnv } from '@spr/app-config';
import { createLedgerHandler } from '@spr/payments-ledger';
import { createPaymentDecoder } from '@spr/payments-ledger';

const USAGE =
  'usage: redrive parked [--entity payment:<id>] [--release] | redrive dead-letters [--id <n>]... [--reason <CODE>]';

silenceKnownDependencyWarnings();
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    entity: { type: 'string' },
    release: { type: 'boolean', default: false },
    id: { type: 'string', multiple: true },
    reason: { type: 'string' },
  },
});
const command = positionals[0];
if (command !== 'parked' && command !== 'dead-letters') {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

let settings;
try {
  settings = readEnv(process.env, (e) => ({
    databaseUrl: e.url('DATABASE_URL', undefined, POSTGRES_URL),
    registry: readSchemaRegistryConfig(e),
    topic: e.string('PAYMENTS_TOPIC', 'payments'),
    groupId: e.string('CONSUMER_GROUP', 'payment-consumer'),
  }));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`redrive: ${error.message}\n`);
  process.exit(EXIT_CODES.badConfig);
}
const pool = createPool({ connectionString: settings.databaseUrl, max: 2, application_name: 'payment-redrive' });
try {
  const codec = createPaymentCodec({ registry: createSchemaRegistryClient(settings.registry), topic: settings.topic });
  const ctx = { pool, groupId: settings.groupId, decoder: createPaymentDecoder(codec), handler: createLedgerHandler() };
  let report;
  if (command === 'parked') {
    let entity;
    if (values.entity) {
      const parsed = parseCompositeKey(values.entity);
      if (!parsed.success) throw new Error(`--entity ${values.entity}: ${parsed.message}`);
      entity = { entityType: parsed.entityType, entityId: parsed.entityId };
    }
    report = await redriveParked(ctx, { entity, release: values.release });
  } else {
    const ids = values.id?.map((id) => {
      if (!/^\d+$/.test(id)) throw new Error(`--id ${id} is not a dead letter id (a positive integer)`);
      return BigInt(id);
    });
    report = await redriveDeadLetters(ctx, { ids, reasonCode: values.reason });
  }
  process.stdout.write(`${JSON.stringify({ command, ...report })}\n`);
} catch (error) {
  process.stderr.write(`redrive failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
