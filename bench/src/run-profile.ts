import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BenchContext } from './bench-context.ts';
import { summariseCpuProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.ts';
import type { ProducedBacklog } from './produce-backlog.ts';
import { runSprDrain } from './run-spr-drain.ts';

export interface ProfileRun extends ProfileSummary {
  /** The .cpuprofile written (open it in Chrome DevTools or speedscope), relative to the workspace. */
  readonly file: string;
  /** O's drain rate with the profiler attached (it costs some throughput). */
  readonly eventsPerSecProfiled: number;
}

/**
 * One more O drain with `node --cpu-prof`, running the consumer from source (src/main.ts, Node strips the
 * types) so that frames name the real files (libs/consumer-runtime/src/chunk-processor.ts…), not the bundle.
 */
export async function runProfile(ctx: BenchContext, backlog: ProducedBacklog): Promise<ProfileRun> {
  const dir = join(ctx.workDir, 'cpu-profile');
  mkdirSync(dir, { recursive: true });
  const drain = await runSprDrain(ctx, backlog, {
    label: 'O (profiled)',
    chunkMaxEvents: ctx.options.chunkMaxEvents,
    cpuProfileDir: dir,
    fromSource: true,
  });
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort()
    .at(-1);
  if (!file) throw new Error(`the consumer wrote no .cpuprofile into ${dir}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  // The profile spans the whole process; keep the drain (first commit to last), counted back from its exit.
  const { firstAt, doneAt, exitedAt } = drain.window;
  const window = { fromEndUs: (exitedAt - firstAt) * 1000, toEndUs: (exitedAt - doneAt) * 1000 };
  return {
    file: relative(ctx.workspaceRoot, file),
    eventsPerSecProfiled: drain.eventsPerSec,
    ...summariseCpuProfile(profile, ctx.workspaceRoot, { window }),
  };
}
