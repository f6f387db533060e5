import type { BenchOptions } from './bench-options.ts';
import type { BenchResources } from './bench-resources.ts';
import type { BenchStack } from './bench-stack.ts';

/** What every step of a run gets: the options, the stack, the resources to stop, the workspace and a logger. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly stack: BenchStack;
  readonly resources: BenchResources;
  readonly workspaceRoot: string;
  /** Where this run keeps its work files (profiles, preview reports): gitignored. */
  readonly workDir: string;
  readonly log: (line: string) => void;
  /** Aborted on SIGINT: long steps stop early. */
  readonly signal: AbortSignal;
}
