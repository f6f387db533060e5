import type { ScenarioDefinition } from '../scenario.ts';
import { brokerRestart } from './broker-restart.ts';
import { poison } from './poison.ts';
import { backendTermination, lockStall, postgresRestart } from './postgres-faults.ts';
import { producerRetries } from './producer-retries.ts';
import { rebalanceStorm } from './rebalance-storm.ts';
import { resumedMemberDefaults } from './resumed-member.ts';
import { registryDownCold, registryDownWarm } from './registry-outage.ts';
import { SIGKILL_AT_FAULT_POINTS } from './sigkill-at-fault-point.ts';
import { sigkillRandom } from './sigkill-random.ts';
import { sigkillRestartDefaults } from './sigkill-restart-defaults.ts';
import { sigtermMidBatch } from './sigterm-mid-batch.ts';
import { zombie, zombieIdleTimeout, zombieSigstop } from './zombie.ts';

/** Every scenario, in the order a run executes them. */
export const SCENARIOS: readonly ScenarioDefinition[] = [
  ...SIGKILL_AT_FAULT_POINTS,
  sigkillRandom,
  sigkillRestartDefaults,
  sigtermMidBatch,
  zombie,
  zombieIdleTimeout,
  zombieSigstop,
  resumedMemberDefaults,
  rebalanceStorm,
  brokerRestart,
  postgresRestart,
  backendTermination,
  lockStall,
  poison,
  producerRetries,
  registryDownWarm,
  registryDownCold,
];
