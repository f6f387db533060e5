import { join } from 'node:path';
import type { ChaosStack } from './chaos-stack.ts';
import type { RunResult, ScenarioResult } from './chaos-results.ts';
import type { ConsumerProcess, ConsumerSupervisor } from './consumer-process.ts';
import type { Check, ScenarioDefinition, ScenarioRun } from './scenario.ts';
import { createScenarioContext, type ScenarioContext } from './scenario-context.ts';
import { runSeeds } from './seeds.ts';
import { verifyScenario } from './verify/verify-scenario.ts';
import type { Verification } from './verify/verify-ledger.ts';

export interface RunChaosOptions {
  readonly seed: number;
  readonly runs: number;
  readonly quick: boolean;
  readonly scenarios: readonly ScenarioDefinition[];
  readonly stack: ChaosStack;
  readonly supervisor: ConsumerSupervisor;
  /** Consumer logs and client logs go below this folder, per run and scenario. */
  readonly logDir: string;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** Told after each scenario (progress output). */
  readonly onScenario?: (run: number, result: ScenarioResult) => void;
}

/** Runs every scenario once per run, one after another; each run has its own seed derived from `seed`. */
export async function runChaos(options: RunChaosOptions): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const [index, seed] of runSeeds(options.seed, options.runs).entries()) {
    if (options.signal.aborted) break;
    const began = Date.now();
    const startedAt = new Date(began).toISOString();
    options.log(`run ${index + 1}/${options.runs}, seed ${seed}`);
    const scenarios: ScenarioResult[] = [];
    for (const definition of options.scenarios) {
      if (options.signal.aborted) break;
      const result = await runScenario(
        definition,
        seed,
        join(options.logDir, `run${index + 1}-seed${seed}`, definition.name),
        options,
      );
      scenarios.push(result);
      options.onScenario?.(index + 1, result);
    }
    runs.push({
      seed,
      startedAt,
      durationSeconds: Math.round((Date.now() - began) / 1000),
      passed: scenarios.every((s) => s.passed),
      scenarios,
    });
  }
  return runs;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The error line of a crash's output (the last one that names an error), or its last line. */
function crashCause(member: ConsumerProcess): string {
  const lines = member.lines().map((l) => (typeof l.message === 'string' ? l.message : JSON.stringify(l)));
  const error = lines.findLast((l) => /^(\w*Error|error): /.test(l)) ?? lines.at(-1) ?? '';
  return error.slice(0, 300);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One scenario, bounded in time: fresh topic, database and group; the scenario drives load and injects its
 * fault; its members are stopped; then the independent verifier reads the log and the database.
 */
async function runScenario(
  definition: ScenarioDefinition,
  runSeed: number,
  logDir: string,
  options: RunChaosOptions,
): Promise<ScenarioResult> {
  const { stack, quick, log } = options;
  const began = Date.now();
  const limitMs = definition.timeoutMs(quick);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(new Error('the chaos run was interrupted'));
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new Error(`hang: the scenario did not finish within ${limitMs / 1000} s`)),
    limitMs,
  );
  const members: ConsumerProcess[] = [];
  const supervisor: ConsumerSupervisor = {
    spawn: (name, env, dir) => {
      const member = options.supervisor.spawn(name, env, dir);
      members.push(member);
      return member;
    },
    killAll: () => options.supervisor.killAll(),
  };
  log(`${definition.name}: ${definition.summary}`);
  let ctx: ScenarioContext | undefined;
  let run: ScenarioRun | undefined;
  let error: unknown;
  let verification: Verification | undefined;
  let verifyError: unknown;
  try {
    ctx = await createScenarioContext({
      name: definition.name,
      runSeed,
      quick,
      signal: controller.signal,
      stack,
      supervisor,
      logDir,
      log,
    });
    run = await abortable(definition.run(ctx), controller.signal);
  } catch (e) {
    error = e;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onOuterAbort);
  }
  await ctx?.stopMembers();
  await Promise.all(members.map((m) => m.stop(15_000)));
  // A failed scenario may leave a service down or frozen; the next one needs it whole, and so does the verifier.
  if (definition.breaksServices || error)
    await stack
      .ensureHealthy()
      .catch((e: unknown) => log(`${definition.name}: restoring the stack failed: ${message(e)}`));
  if (ctx && !options.signal.aborted) {
    try {
      verification = await verifyScenario({
        kafka: ctx.kafka,
        pool: ctx.pool,
        topic: ctx.topic,
        groupId: ctx.groupId,
        schemaRegistryUrl: ctx.endpoints.SCHEMA_REGISTRY_URL,
      });
    } catch (e) {
      verifyError = e;
    }
  }
  const checks: Check[] = [...(run?.checks ?? []), ...(run?.assess && verification ? run.assess(verification) : [])];
  const crashed = members.filter(
    (m) => m.exitInfo()?.code !== null && m.exitInfo()?.code !== undefined && m.exitInfo()?.code !== 0,
  );
  checks.push({
    name: 'no consumer exited on its own with an error',
    ok: crashed.length === 0,
    gating: false,
    detail:
      crashed.length === 0
        ? undefined
        : crashed.map((m) => `${m.name} (pid ${m.pid}) exit ${m.exitInfo()!.code}: ${crashCause(m)}`).join('; '),
  });
  const failures = [
    ...(error ? [`scenario: ${message(error)}`] : []),
    ...(verifyError ? [`verifier: ${message(verifyError)}`] : []),
    ...(verification?.failures ?? (verifyError ? [] : ['not verified'])),
    ...checks
      .filter((c) => !c.ok && c.gating !== false)
      .map((c) => `check failed: ${c.name}${c.detail ? ` (${c.detail})` : ''}`),
  ];
  const findings = checks
    .filter((c) => !c.ok && c.gating === false)
    .map((c) => `${c.name}: no${c.detail ? ` (${c.detail})` : ''}`);
  const passed = failures.length === 0;
  await ctx
    ?.close({ keepData: !passed })
    .catch((e: unknown) => log(`${definition.name}: cleaning up failed: ${message(e)}`));
  const v = verification;
  const {
    events: _e,
    applied: _a,
    duplicatesSkipped: _d,
    parked: _p,
    deadLettered: _dl,
    lost: _l,
    duplicated: _du,
    gaps: _g,
    orderViolations: _o,
    failures: _f,
    ...details
  } = v ?? ({} as Verification);
  return {
    name: definition.name,
    passed,
    failures,
    findings,
    consumerCrashes: crashed.length,
    events: v?.events ?? null,
    applied: v?.applied ?? null,
    duplicatesSkipped: v?.duplicatesSkipped ?? null,
    parked: v?.parked ?? null,
    deadLettered: v?.deadLettered ?? null,
    lost: v?.lost ?? null,
    duplicated: v?.duplicated ?? null,
    gaps: v?.gaps ?? null,
    orderViolations: v?.orderViolations ?? null,
    recoverySeconds: run ? Math.max(0, Math.round((run.drainedAt - run.faultEndedAt) / 100) / 10) : null,
    durationSeconds: Math.round((Date.now() - began) / 100) / 10,
    fault: run?.fault ?? {},
    checks,
    members: members.map((m) => ({
      name: m.name,
      pid: m.pid,
      code: m.exitInfo()?.code ?? null,
      signal: m.exitInfo()?.signal ?? null,
    })),
    verification: v ? details : null,
    topic: ctx?.topic ?? null,
    database: ctx?.database ?? null,
    logDir,
  };
}
