import { createKafkaClient, KAFKA_DEFAULTS } from '@spr/routing';
import { loadavg } from 'node:os';
import type { ChildArm, ChildArmConfig } from './arm-protocol.ts';
import { createArmSchema, withClient } from './arm-schema.ts';
import { FLOOR_TABLE_DDL } from './arms/floor-consumer.ts';
import { NAIVE_TABLE_DDL } from './arms/naive-consumer.ts';
import type { BenchContext } from './bench-context.ts';
import { latencyRates } from './bench-options.ts';
import { withTimeout } from './bench-resources.ts';
import { benchGroup } from './consumer-groups.ts';
import { ARMS, evaluateTargets, type Arm, type BenchResults, type RoundResult } from './bench-results.ts';
import { epochNow, sleep } from './clock.ts';
import { checkFloorDrain, checkLedger, checkNaiveTable } from './ledger-check.ts';
import { describeLatency, describeStages, latencyResults } from './latency-results.ts';
import { machineInfo } from './machine-info.ts';
import { produceBacklog, type ProducedBacklog } from './produce-backlog.ts';
import { runChildArm } from './run-child-arm.ts';
import { runGateway, type GatewayRun } from './run-gateway.ts';
import { runFloorLatency, runLatency, type FloorLatencyRun, type LatencyRun } from './run-latency.ts';
import { runProfile, type ProfileRun } from './run-profile.ts';
import { runSprDrain } from './run-spr-drain.ts';
import { runStall, type StallRun } from './run-stall.ts';
import { roundOrder } from './round-order.ts';
import { runtimeFetchSettings } from './runtime-settings.ts';
import { buildSprConsumer } from './spr-consumer-process.ts';
import { STATS_REFRESH_EVERY_MS, startStatsRefresher } from './stats-refresher.ts';
import { median, ratio } from './stats.ts';

type RoundArm = RoundResult['arms'][Arm];

/** Runs every step of the benchmark; a step that fails is recorded in `errors` and the run goes on. */
export async function runBench(ctx: BenchContext): Promise<BenchResults> {
  const { options, log, stack } = ctx;
  const started = epochNow();
  const date = new Date().toISOString();
  const errors: string[] = [];
  const notes: string[] = [];
  const elapsed = () => `${Math.round((epochNow() - started) / 1000)} s`;
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T | undefined> => {
    if (ctx.signal.aborted) return undefined;
    if (epochNow() - started > options.budgetSec * 1000) {
      errors.push(`${name}: skipped, the run's time budget of ${Math.round(options.budgetSec / 60)} min was spent`);
      log(`SKIPPED ${name}: over the time budget`);
      return undefined;
    }
    log(`[${elapsed()}] ${name}`);
    try {
      return await work();
    } catch (error) {
      const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
      errors.push(message);
      log(`FAILED ${message}`);
      return undefined;
    }
  };
  const settle = () => sleep(options.mode === 'full' ? 2_000 : 200, ctx.signal);

  const machine = await machineInfo(ctx.workspaceRoot, stack.databaseUrl);
  buildSprConsumer(ctx);
  const kafka = createKafkaClient({ ...KAFKA_DEFAULTS, brokers: stack.kafkaBrokers, clientId: 'spr-bench' });
  const backlogOptions = {
    events: options.backlog.events,
    payments: options.backlog.payments,
    duplicateRatio: options.backlog.duplicateRatio,
    seed: options.backlog.seed,
  };
  log(
    `[${elapsed()}] producing the backlog: ${options.backlog.events.toLocaleString('en-US')} events, ${options.backlog.payments.toLocaleString('en-US')} payments, ${options.backlog.partitions} partitions`,
  );
  const backlog: ProducedBacklog = await withTimeout(
    produceBacklog(ctx, kafka, backlogOptions, options.backlog.partitions),
    options.drainTimeoutSec * 1000,
    'producing the backlog',
  );
  log(
    `  ${backlog.summary.deliveries.toLocaleString('en-US')} events (${backlog.summary.redeliveries} redeliveries, ${backlog.summary.meanRecordBytes} bytes each on average) in ${backlog.seconds} s`,
  );

  const childConfig = (arm: ChildArm, databaseUrl: string, events: number): ChildArmConfig => ({
    arm,
    kafkaBrokers: stack.kafkaBrokers,
    schemaRegistryUrl: stack.schemaRegistryUrl,
    databaseUrl,
    topic: backlog.topic,
    groupId: benchGroup(ctx, arm),
    partitions: options.backlog.partitions,
    events,
    backlog: backlogOptions,
    chunkMaxEvents: options.chunkMaxEvents,
    fetch: runtimeFetchSettings(),
  });
  const timeoutMs = options.drainTimeoutSec * 1000;
  const runArm = async (arm: Arm): Promise<RoundArm> => {
    if (arm === 'O') return runSprDrain(ctx, backlog, { label: 'O', chunkMaxEvents: options.chunkMaxEvents });
    if (arm === 'A0' || arm === 'A1')
      return runChildArm(ctx, childConfig(arm, stack.databaseUrl, backlog.summary.deliveries), timeoutMs);
    const schema = await createArmSchema(stack.databaseUrl, arm.toLowerCase());
    const undo = ctx.resources.defer(`drop schema ${schema.schema}`, () => schema.drop());
    try {
      if (arm === 'B') {
        const config = childConfig('B', schema.databaseUrl, backlog.summary.deliveries);
        const refresher = await startStatsRefresher(schema.databaseUrl);
        const run = await runChildArm(ctx, config, timeoutMs).finally(() => refresher.stop());
        return {
          ...run,
          check: await withClient(schema.databaseUrl, (c) => checkLedger(c, config.groupId, backlog.summary)),
        };
      }
      if (arm === 'F') {
        await withClient(schema.databaseUrl, (c) => c.query(FLOOR_TABLE_DDL));
        const config = childConfig('F', schema.databaseUrl, backlog.summary.deliveries);
        const run = await runChildArm(ctx, config, timeoutMs);
        await withClient(schema.databaseUrl, (c) => checkFloorDrain(c, config.groupId, backlog.topic, backlog.ends));
        return run;
      }
      await withClient(schema.databaseUrl, (c) => c.query(NAIVE_TABLE_DDL));
      const run = await runChildArm(
        ctx,
        childConfig('N', schema.databaseUrl, Math.min(options.naiveEvents, backlog.summary.deliveries)),
        timeoutMs,
      );
      return { ...run, naive: await withClient(schema.databaseUrl, (c) => checkNaiveTable(c)) };
    } finally {
      await schema.drop();
      undo();
    }
  };

  const rounds: RoundResult[] = [];
  for (let r = 1; r <= options.rounds && !ctx.signal.aborted; r++) {
    const order = roundOrder(r);
    const arms: RoundResult['arms'] = {};
    for (const arm of order) {
      const run = await step(`round ${r}/${options.rounds}: arm ${arm}`, () => runArm(arm));
      if (run) {
        arms[arm] = run;
        const pauses = run.pauses !== undefined ? `; ${run.pauses} backpressure pause(s)` : '';
        log(
          `  ${arm}: ${run.eventsPerSec.toLocaleString('en-US')} events/s (${run.events.toLocaleString('en-US')} events in ${run.seconds} s; node ${run.nodeCpuUsPerEvent} µs CPU/event${pauses})`,
        );
      }
      await settle();
    }
    rounds.push({ round: r, order, arms });
  }

  const perArm = (arm: Arm) =>
    rounds.map((round) => round.arms[arm]).filter((a): a is NonNullable<RoundArm> => a !== undefined);
  const medianOf = (arm: Arm, pick: (a: NonNullable<RoundArm>) => number) => {
    const values = perArm(arm).map(pick);
    return values.length > 0 ? Math.round(median(values) * 100) / 100 : undefined;
  };
  const eventsPerSec: BenchResults['eventsPerSec'] = {};
  const cpu: BenchResults['cpu'] = {};
  const peakRssMb: BenchResults['peakRssMb'] = {};
  for (const arm of ARMS) {
    const eps = medianOf(arm, (a) => a.eventsPerSec);
    if (eps === undefined) continue;
    eventsPerSec[arm] = Math.round(eps);
    cpu[arm] = {
      node: medianOf(arm, (a) => a.cpu.node)!,
      java: medianOf(arm, (a) => a.cpu.java)!,
      postgres: medianOf(arm, (a) => a.cpu.postgres)!,
      nodeCpuUsPerEvent: medianOf(arm, (a) => a.nodeCpuUsPerEvent)!,
    };
    peakRssMb[arm] = Math.max(...perArm(arm).map((a) => a.peakRssMb));
  }

  const sweep: Array<BenchResults['sweep'][number]> = [];
  for (const size of options.sweepChunkSizes) {
    const fromRounds = size === options.chunkMaxEvents ? perArm('O') : [];
    if (fromRounds.length > 0) {
      // The rounds drained the backlog at this chunk size already: their median stands for it (one drain less).
      const pick = (f: (o: (typeof fromRounds)[number]) => number) => Math.round(median(fromRounds.map(f)) * 10) / 10;
      sweep.push({
        chunkMaxEvents: size,
        eventsPerSec: eventsPerSec.O!,
        nodeCpuUsPerEvent: pick((o) => o.nodeCpuUsPerEvent),
        peakRssMb: Math.max(...fromRounds.map((o) => o.peakRssMb)),
        duplicatesInLedger: Math.max(...fromRounds.map((o) => o.check?.duplicatesInLedger ?? 0)),
        pauses: Math.max(...fromRounds.map((o) => o.pauses ?? 0)),
      });
      continue;
    }
    const run = await step(`O sweep: CHUNK_MAX_EVENTS=${size}`, () =>
      runSprDrain(ctx, backlog, { label: `O chunk ${size}`, chunkMaxEvents: size }),
    );
    if (run) {
      sweep.push({
        chunkMaxEvents: size,
        eventsPerSec: run.eventsPerSec,
        nodeCpuUsPerEvent: run.nodeCpuUsPerEvent,
        peakRssMb: run.peakRssMb,
        duplicatesInLedger: run.check.duplicatesInLedger,
        pauses: run.pauses,
      });
      log(
        `  chunk ${size}: ${run.eventsPerSec.toLocaleString('en-US')} events/s (${run.pauses} backpressure pause(s))`,
      );
    }
    await settle();
  }

  const cold = await step('O cold start: statistics left to autovacuum (no periodic ANALYZE)', () =>
    runSprDrain(ctx, backlog, { label: 'O cold', chunkMaxEvents: options.chunkMaxEvents, statsRefresh: false }),
  );
  if (cold)
    log(
      `  O cold: ${cold.eventsPerSec.toLocaleString('en-US')} events/s, ${cold.pauses} backpressure pause(s), autovacuum analyzed the ledger ${cold.autoanalyzeRuns} time(s)`,
    );
  await settle();
  const coldStart = cold
    ? {
        eventsPerSec: cold.eventsPerSec,
        seconds: cold.seconds,
        pauses: cold.pauses,
        autoanalyzeRuns: cold.autoanalyzeRuns,
        duplicatesInLedger: cold.check.duplicatesInLedger,
        steadyEventsPerSec: eventsPerSec.O,
        overN: ratio(cold.eventsPerSec, eventsPerSec.N),
      }
    : undefined;

  const oMax = eventsPerSec.O ?? Math.max(0, ...sweep.map((s) => s.eventsPerSec));
  const latencyRuns: LatencyRun[] = [];
  const floorRuns: FloorLatencyRun[] = [];
  if (oMax > 0) {
    // At every rate F runs right after O, with the same load: O's latency next to the floor's.
    for (const rate of latencyRates(options.latency, oMax)) {
      const what = `at ${rate.toLocaleString('en-US')} events/s (open loop, ${options.latency.durationSec} s)`;
      const o = await step(`latency of O ${what}`, () => runLatency(ctx, kafka, rate, `O at ${rate}/s`));
      if (o) {
        latencyRuns.push(o);
        log(`  O: ${describeLatency(o)}; ${describeStages(o.stages)}`);
      }
      await settle();
      const f = await step(`latency of F ${what}`, () => runFloorLatency(ctx, kafka, rate, `F at ${rate}/s`));
      if (f) {
        floorRuns.push(f);
        log(`  F: ${describeLatency(f)}`);
      }
      await settle();
    }
  } else errors.push('latency: skipped, O has no measured drain rate');

  let stall: StallRun | undefined;
  if (oMax > 0) {
    stall = await step(`memory check: ${options.stall.stallSec} s PostgreSQL stall`, () => runStall(ctx, kafka, oMax));
    await settle();
  } else errors.push('stall: skipped, O has no measured drain rate');
  const profile: ProfileRun | undefined = await step('CPU profile of O (node --cpu-prof, one more drain)', () =>
    runProfile(ctx, backlog),
  );
  await settle();
  const gateway: GatewayRun | undefined = await step('G: the producer gateway', () => runGateway(ctx, kafka));
  if (gateway?.status === 'skipped') log(`  G ${gateway.reason}`);

  const oDuplicates = [
    ...perArm('O').map((o) => o.check?.duplicatesInLedger ?? 0),
    ...(coldStart ? [coldStart.duplicatesInLedger] : []),
    ...sweep.map((s) => s.duplicatesInLedger),
    ...latencyRuns.map((l) => l.duplicatesInLedger),
    ...(stall ? [stall.duplicatesInLedger] : []),
  ];
  const oLost = perArm('O').filter((o) => o.check && o.check.processed !== o.check.expectedProcessed);
  if (oLost.length > 0)
    notes.push(
      `O's ledger missed events in ${oLost.length} round(s): processed ${oLost.map((o) => o.check!.processed).join(', ')} of ${backlog.summary.unique}`,
    );
  const naive = perArm('N')
    .map((a) => a.naive)
    .filter((v) => v !== undefined);
  const bChecks = perArm('B')
    .map((a) => a.check)
    .filter((v) => v !== undefined);
  const duplicatesInLedger: BenchResults['duplicatesInLedger'] = {
    O: oDuplicates.length > 0 ? oDuplicates.reduce((a, b) => a + b, 0) : undefined,
    N: naive.length > 0 ? Math.round(median(naive.map((v) => v.duplicatesInLedger))) : undefined,
    B: bChecks.length > 0 ? Math.max(...bChecks.map((c) => c.duplicatesInLedger)) : undefined,
    redeliveriesInBacklog: backlog.summary.redeliveries,
    naiveEventsDrained: Math.min(options.naiveEvents, backlog.summary.deliveries),
  };
  const latency = latencyResults(latencyRuns, floorRuns, options.latency.fixedRatePerSec);
  const ratios = {
    O_over_N: ratio(eventsPerSec.O, eventsPerSec.N),
    O_over_A1: ratio(eventsPerSec.O, eventsPerSec.A1),
    O_over_B: ratio(eventsPerSec.O, eventsPerSec.B),
    O_over_A0: ratio(eventsPerSec.O, eventsPerSec.A0),
    O_over_F: ratio(eventsPerSec.O, eventsPerSec.F),
    p99_O_over_F: ratio(latency?.p99Ms, latency?.floor?.p99Ms),
  };
  const rssMb = stall
    ? { steady: stall.steadyRssMb, peakDuringStall: stall.peakRssMbDuringStall, hwmAfterStall: stall.hwmMbAfterStall }
    : undefined;
  machine.loadAverageEnd = Math.round(loadavg()[0]! * 100) / 100;
  notes.push(
    `Statistics: during every arm that writes the ledger (B, O, the sweep, O’s latency runs, the stall, the profile) the benchmark runs ANALYZE ledger_entries every ${STATS_REFRESH_EVERY_MS / 1000} s, as autovacuum does on a database that has run for a while; ` +
      'the ledger’s balance-check trigger otherwise keeps a plan made on the empty table (see “Cold start”).',
  );
  if (options.mode === 'quick')
    notes.push(
      'Quick run: a 30,000-event backlog and one round; startup costs weigh more and rates are indicative only.',
    );
  if (machine.loadAverageStart > machine.cpus * 0.5)
    notes.push(
      `The machine was busy when the run started (load average ${machine.loadAverageStart} on ${machine.cpus} cores): absolute rates are lower than on a quiet machine; ratios suffer less.`,
    );
  const partial = { ratios, latency, rssMb, duplicatesInLedger, eventsPerSec };
  return {
    version: 1,
    mode: options.mode,
    date,
    durationSec: Math.round((epochNow() - started) / 1000),
    machine,
    options,
    backlog: {
      ...backlog.summary,
      topic: backlog.topic,
      partitions: backlog.partitions,
      produceSeconds: backlog.seconds,
      producePerSec: backlog.eventsPerSec,
    },
    eventsPerSec,
    ratios,
    rounds,
    cpu,
    peakRssMb,
    sweep,
    coldStart,
    latency,
    rssMb,
    stall,
    duplicatesInLedger,
    profile,
    gateway,
    targets: evaluateTargets(partial),
    errors,
    notes,
  };
}
