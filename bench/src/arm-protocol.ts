import type { RuntimeFetchSettings } from './arms/runtime-fetch.ts';
import type { BacklogOptions } from './backlog-generator.ts';

/** The arms that run in a child process of the benchmark (O is the payment consumer's own bundle). */
export type ChildArm = 'A0' | 'A1' | 'B' | 'F' | 'N';

export interface ChildArmConfig {
  readonly arm: ChildArm;
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  /** The arm's own schema (search_path set); unused by A0 and A1. */
  readonly databaseUrl: string;
  readonly topic: string;
  readonly groupId: string;
  readonly partitions: number;
  /** The arm is done once it has handled this many events (F in a latency run: never, it runs until stopped). */
  readonly events: number;
  /** B regenerates the backlog from these (the same seed gives the same events). */
  readonly backlog: BacklogOptions;
  readonly chunkMaxEvents: number;
  /** The runtime's session and fetch settings, for the arms that consume like it (A0, A1, F). */
  readonly fetch: RuntimeFetchSettings;
}

/** Child to parent, over the IPC channel. Times are epoch ms (performance.timeOrigin + now()). */
export type ChildArmMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'first'; readonly at: number }
  | { readonly type: 'progress'; readonly count: number }
  | { readonly type: 'done'; readonly count: number; readonly firstAt: number; readonly doneAt: number }
  | { readonly type: 'failed'; readonly error: string };

/** Parent to child: the result has been read; release what you hold and exit. */
export type ChildArmCommand = { readonly type: 'stop' };

export const ARM_CONFIG_ENV = 'SPR_BENCH_ARM_CONFIG';
