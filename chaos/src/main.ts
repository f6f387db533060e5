#!/usr/bin/env node
/**
 * `npm run chaos`: breaks the consumer, the broker, the registry and PostgreSQL on a stack of its own, one scenario
 * at a time, and verifies after each that nothing was lost, duplicated or reordered (docs/design.md §8). Writes
 * chaos/results/latest.json and the results section of docs/reliability.md; exits 1 if a scenario failed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findWorkspaceRoot } from '@spr/stack';
import { ChaosError } from './chaos-error.ts';
import { parseChaosOptions, selectScenarios, USAGE, type ChaosOptions } from './chaos-options.ts';
import { summaryTable, type ChaosResults } from './chaos-results.ts';
import { CHAOS_STACK_DIR, envChaosStack, startOwnChaosStack, type ChaosStack } from './chaos-stack.ts';
import { createConsumerSupervisor } from './consumer-process.ts';
import { updateReliabilityDoc } from './reliability-doc.ts';
import { runChaos } from './run-chaos.ts';
import { SCENARIOS } from './scenarios/index.ts';

const log = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function buildBundle(root: string): void {
  log('building the payment consumer bundle');
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: join(root, 'apps', 'payment-consumer'),
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new ChaosError('BUNDLE', `building the payment consumer bundle failed:\n${result.stdout}${result.stderr}`);
}

function envEndpoints() {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL } = process.env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !DATABASE_URL)
    throw new ChaosError('BAD_ARGUMENTS', '--stack env needs KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL');
  return { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL };
}

async function main(argv: readonly string[]): Promise<number> {
  const options: ChaosOptions = parseChaosOptions(argv);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    for (const s of SCENARIOS)
      process.stdout.write(`${s.name.padEnd(26)}${s.breaksServices ? '[own stack] ' : ''}${s.summary}\n`);
    return 0;
  }
  const root = findWorkspaceRoot();
  const scenarios = selectScenarios(SCENARIOS, options.scenarios);
  if (options.stack === 'env') {
    const refused = scenarios.filter((s) => s.breaksServices);
    if (refused.length > 0)
      throw new ChaosError(
        'BAD_ARGUMENTS',
        `these scenarios break services and need the suite's own stack: ${refused.map((s) => s.name).join(', ')}`,
      );
  }
  if (options.build) buildBundle(root);

  const controller = new AbortController();
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: stopping the scenario, its consumers and the chaos stack`);
      controller.abort(new Error(`interrupted by ${signal}`));
    });
  }
  const supervisor = createConsumerSupervisor({ workspaceRoot: root });
  process.on('exit', () => supervisor.killAll());
  const began = Date.now();
  const logDir = join(root, '.spr', 'chaos', 'logs', new Date(began).toISOString().replace(/[:.]/g, '-'));
  log(
    `seed ${options.seed}, ${options.runs} run(s), ${scenarios.length} scenario(s)${options.quick ? ', quick' : ''}; logs in ${logDir}`,
  );

  let stack: ChaosStack | undefined;
  let runs: Awaited<ReturnType<typeof runChaos>> = [];
  try {
    stack =
      options.stack === 'own'
        ? await startOwnChaosStack({ stateDir: join(root, CHAOS_STACK_DIR), workspaceRoot: root, log })
        : envChaosStack(envEndpoints());
    log(
      `stack: ${stack.endpoints.KAFKA_BROKERS}, ${stack.endpoints.SCHEMA_REGISTRY_URL}, ${stack.endpoints.DATABASE_URL.replace(/:[^:@/]+@/, ':***@')}`,
    );
    runs = await runChaos({
      seed: options.seed,
      runs: options.runs,
      quick: options.quick,
      scenarios,
      stack,
      supervisor,
      logDir,
      signal: controller.signal,
      log,
      onScenario: (run, s) =>
        log(
          `run ${run} ${s.name}: ${s.passed ? 'PASS' : 'FAIL'} events ${s.events} applied ${s.applied} dup ${s.duplicatesSkipped} parked ${s.parked} dlq ${s.deadLettered} ` +
            `lost ${s.lost} duplicated ${s.duplicated} gaps ${s.gaps} order ${s.orderViolations} recovery ${s.recoverySeconds}s (${s.durationSeconds}s)` +
            `${s.passed ? '' : `\n  ${s.failures.join('\n  ')}`}${s.findings.length > 0 ? `\n  finding: ${s.findings.join('\n  finding: ')}` : ''}`,
        ),
    });
  } finally {
    supervisor.killAll();
    await stack?.stop().catch((error: unknown) => log(`stopping the chaos stack failed: ${(error as Error).message}`));
  }

  const results: ChaosResults = {
    generatedAt: new Date().toISOString(),
    command: `npm run chaos -- ${argv.length > 0 ? argv.join(' ') : ''}`.trim().replace(/ --$/, ''),
    options: {
      seed: options.seed,
      runs: options.runs,
      quick: options.quick,
      scenarios: scenarios.map((s) => s.name),
      stack: options.stack,
    },
    machine: {
      cpus: availableParallelism(),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    },
    totalSeconds: Math.round((Date.now() - began) / 1000),
    passed: runs.length === options.runs && runs.every((r) => r.passed && r.scenarios.length === scenarios.length),
    runs,
  };
  // An interrupted run does not replace the last complete results.
  const out = resolve(root, interrupted ? options.out.replace(/(\.json)?$/, '.interrupted.json') : options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${out}`);
  if (options.docs && !interrupted) {
    updateReliabilityDoc(resolve(root, options.docs), JSON.parse(readFileSync(out, 'utf8')) as ChaosResults);
    log(`results table written to ${options.docs}`);
  }
  const crashes = runs.reduce((n, r) => n + r.scenarios.reduce((m, s) => m + s.consumerCrashes, 0), 0);
  const verdict = interrupted ? 'INTERRUPTED' : results.passed ? 'every scenario passed' : 'SOME SCENARIOS FAILED';
  process.stdout.write(
    `\n${summaryTable(results)}\n\n${verdict} in ${Math.round(results.totalSeconds / 60)} min; ${crashes} consumer crash(es) reported as findings\n`,
  );
  if (interrupted) return 130;
  return results.passed ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(
      error instanceof ChaosError
        ? `error [${error.code}]: ${error.message}`
        : `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(error instanceof ChaosError && error.code === 'BAD_ARGUMENTS' ? 2 : 1);
  },
);
