import { readFileSync } from 'node:fs';
import { percentilesOf, type Percentiles, type SentEvents } from './latency.ts';

/**
 * The payment consumer's stage trace (its contract, apps/payment-consumer): given SPR_STAGE_TRACE_FILE (an
 * absolute path) it appends one JSON line per sampled event, the events whose offset is a multiple of
 * SPR_STAGE_TRACE_EVERY (default 64): `{"p":partition,"o":"offset","fetched":ms,"began":ms,"committed":ms}`, epoch
 * ms when the Kafka client handed the record over, when its chunk transaction began, when its COMMIT returned.
 */
export const STAGE_TRACE_FILE_ENV = 'SPR_STAGE_TRACE_FILE';
export const STAGE_TRACE_EVERY_ENV = 'SPR_STAGE_TRACE_EVERY';
export const STAGE_TRACE_EVERY = 64;

export interface StageSample {
  readonly partition: number;
  readonly offset: number;
  readonly fetched: number;
  readonly began: number;
  readonly committed: number;
}

/** Where one rate's sampled events spent their time, each stage as p50 and p99. */
export interface StageTimes {
  readonly measured: true;
  readonly sampleEvery: number;
  /** Sampled events intended after the warm-up and found among the sent events. */
  readonly samples: number;
  /** Trace lines that could not be read, or whose position matched no sent event. */
  readonly unmatched: number;
  readonly intendedToFetched: Percentiles;
  readonly fetchedToBegan: Percentiles;
  readonly beganToCommitted: Percentiles;
  /** From the trace: a cross-check of the latency the offsets poller measured (which is late by up to one poll). */
  readonly intendedToCommitted: Percentiles;
}

export type StageReport = StageTimes | { readonly measured: false; readonly reason: string };

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** One trace line, or undefined when it is not one (a line cut short by the consumer's exit, say). */
export function parseStageLine(line: string): StageSample | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(v.p) || typeof v.o !== 'string' || !/^\d+$/.test(v.o)) return undefined;
  if (!isTime(v.fetched) || !isTime(v.began) || !isTime(v.committed)) return undefined;
  return { partition: v.p as number, offset: Number(v.o), fetched: v.fetched, began: v.began, committed: v.committed };
}

/**
 * Joins the trace with the load's intended send times by (partition, offset) and summarises each stage over the
 * samples intended at or after `fromAt` (the warm-up is left out, as in the latencies). A position traced twice
 * keeps its first line: the first commit is when the event took effect.
 */
export function stageTimes(traceText: string, sent: SentEvents, fromAt: number, sampleEvery: number): StageReport {
  const lines = traceText.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0)
    return { measured: false, reason: 'the consumer wrote no stage trace (a build without SPR_STAGE_TRACE_FILE)' };
  const byPosition = new Map<number, Map<number, StageSample>>();
  let unreadable = 0;
  for (const line of lines) {
    const sample = parseStageLine(line);
    if (!sample) {
      unreadable++;
      continue;
    }
    let offsets = byPosition.get(sample.partition);
    if (!offsets) byPosition.set(sample.partition, (offsets = new Map()));
    if (!offsets.has(sample.offset)) offsets.set(sample.offset, sample);
  }
  const positions = [...byPosition.values()].reduce((sum, offsets) => sum + offsets.size, 0);
  if (positions === 0)
    return {
      measured: false,
      reason: `none of the ${lines.length} lines of the stage trace reads as {"p":<partition>,"o":"<offset>","fetched":<ms>,"began":<ms>,"committed":<ms>}`,
    };
  const stages = {
    intendedToFetched: [] as number[],
    fetchedToBegan: [] as number[],
    beganToCommitted: [] as number[],
    intendedToCommitted: [] as number[],
  };
  let matched = 0;
  for (let i = 0; i < sent.intended.length; i++) {
    const sample = byPosition.get(sent.partition[i]!)?.get(sent.offset[i]!);
    if (!sample) continue;
    matched++;
    const intended = sent.intended[i]!;
    if (intended < fromAt) continue;
    stages.intendedToFetched.push(sample.fetched - intended);
    stages.fetchedToBegan.push(sample.began - sample.fetched);
    stages.beganToCommitted.push(sample.committed - sample.began);
    stages.intendedToCommitted.push(sample.committed - intended);
  }
  const samples = stages.intendedToCommitted.length;
  if (samples === 0)
    return { measured: false, reason: `none of the ${lines.length} traced events was sent after the warm-up` };
  return {
    measured: true,
    sampleEvery,
    samples,
    unmatched: unreadable + (positions - matched),
    intendedToFetched: percentilesOf(stages.intendedToFetched),
    fetchedToBegan: percentilesOf(stages.fetchedToBegan),
    beganToCommitted: percentilesOf(stages.beganToCommitted),
    intendedToCommitted: percentilesOf(stages.intendedToCommitted),
  };
}

/**
 * The stages of one run from its trace file. A missing file (a consumer without the trace) or one that cannot be
 * read is "not measured": the run's latencies stand without it.
 */
export function readStageTimes(file: string, sent: SentEvents, fromAt: number, sampleEvery: number): StageReport {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      return { measured: false, reason: `cannot read the stage trace ${file}: ${code ?? (error as Error).message}` };
  }
  return stageTimes(text, sent, fromAt, sampleEvery);
}
