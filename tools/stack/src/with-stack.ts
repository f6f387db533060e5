#!/usr/bin/env node
/**
 * `with-stack -- <command…>`: runs a command with KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL set.
 * When they are already set, the command runs against those services. Otherwise the local stack is started if
 * needed, and stopped again afterwards only if this run started it (SPR_KEEP_STACK=1 keeps it running).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { formatEndpoints } from './config.ts';
import { StackError } from './errors.ts';
import { stackDown, stackUp } from './stack.ts';

const STACK_ENV = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'] as const;
const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);

function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env, shell: false });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

async function main(): Promise<number> {
  const separator = process.argv.indexOf('--');
  const argv = separator >= 0 ? process.argv.slice(separator + 1) : [];
  if (argv.length === 0) {
    process.stderr.write('usage: with-stack -- <command> [args…]\n');
    return 2;
  }
  if (STACK_ENV.every((name) => process.env[name])) {
    log(`using the services from the environment (${process.env.KAFKA_BROKERS}, ${process.env.SCHEMA_REGISTRY_URL})`);
    return runCommand(argv, process.env);
  }
  const report = await stackUp({ log });
  process.stderr.write(formatEndpoints(report.endpoints));
  const startedHere = report.services.some((s) => s.state === 'started');
  try {
    return await runCommand(argv, { ...process.env, ...report.endpoints });
  } finally {
    if (startedHere && process.env.SPR_KEEP_STACK !== '1') {
      log('stopping the stack this run started (SPR_KEEP_STACK=1 keeps it)');
      await stackDown({ log });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(
      error instanceof StackError
        ? `error [${error.code}]: ${error.message}`
        : `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
