import { createWriteStream, type WriteStream } from 'node:fs';
import { envReader } from '@spr/app-config';
import type { StageSample } from '@spr/consumer-runtime';

export interface StageTraceFile {
  readonly sampleEvery: number;
  record(sample: StageSample): void;
  close(): Promise<void>;
}

/**
 * For the benchmark's stage breakdown only (like SPR_FAULT_POINT for the chaos suite): with
 * `SPR_STAGE_TRACE_FILE=<path>`, every `SPR_STAGE_TRACE_EVERY`-th offset (default 64) is appended to the file as
 * one JSON line: `{"p":partition,"o":"offset","fetched":ms,"began":ms,"committed":ms}` (epoch milliseconds).
 */
export function stageTraceFromEnv(env: NodeJS.ProcessEnv): StageTraceFile | undefined {
  const e = envReader(env);
  const path = e.optionalString('SPR_STAGE_TRACE_FILE');
  if (!path) return undefined;
  const sampleEvery = e.int('SPR_STAGE_TRACE_EVERY', 64, { min: 1 });
  const out: WriteStream = createWriteStream(path, { flags: 'a' });
  return {
    sampleEvery,
    record: (s) =>
      void out.write(
        `{"p":${s.partition},"o":"${s.offset}","fetched":${s.fetchedAt},"began":${s.beganAt},"committed":${s.committedAt}}\n`,
      ),
    close: () => new Promise((resolve) => out.end(resolve)),
  };
}
