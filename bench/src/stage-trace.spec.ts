import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStageLine, readStageTimes, stageTimes } from './stage-trace.ts';

const line = (p: number, o: number, fetched: number, began: number, committed: number) =>
  JSON.stringify({ p, o: String(o), fetched, began, committed });

describe('parseStageLine', () => {
  it('reads the consumer’s line, the offset from its decimal string', () => {
    expect(parseStageLine('{"p":3,"o":"128","fetched":1000.5,"began":1002.25,"committed":1010}')).toEqual({
      partition: 3,
      offset: 128,
      fetched: 1000.5,
      began: 1002.25,
      committed: 1010,
    });
  });

  it('refuses what is not one: cut short, offset as a number, a time missing', () => {
    expect(parseStageLine('{"p":3,"o":"128","fetched":1000')).toBeUndefined();
    expect(parseStageLine('{"p":3,"o":128,"fetched":1,"began":2,"committed":3}')).toBeUndefined();
    expect(parseStageLine('{"p":3,"o":"128","fetched":1,"committed":3}')).toBeUndefined();
    expect(parseStageLine('{"p":1.5,"o":"128","fetched":1,"began":2,"committed":3}')).toBeUndefined();
  });
});

describe('stageTimes', () => {
  // Five sent events; the first is intended during the warm-up (before 100).
  const sent = {
    intended: Float64Array.from([90, 100, 110, 120, 130]),
    partition: Int32Array.from([0, 0, 1, 1, 2]),
    offset: Float64Array.from([0, 64, 0, 64, Number.NaN]),
  };

  it('joins the trace with the intended times by partition and offset, and gives each stage’s p50 and p99 after the warm-up', () => {
    const trace = [
      line(0, 0, 95, 96, 97), // warm-up: left out
      line(0, 64, 104, 110, 118), // intended 100: 4 to fetch, 6 waiting, 8 in the transaction, 18 in all
      line(1, 0, 112, 114, 118), // intended 110: 2, 2, 4, 8
      line(1, 0, 150, 151, 152), // the same position again: the first line counts
      line(5, 0, 1, 2, 3), // no such sent event
      '{"p":1,"o":"64"', // cut short by the consumer's exit
      '',
    ].join('\n');
    const report = stageTimes(trace, sent, 100, 64);
    // Within the histogram's 3 significant digits (18 ms reads as 18.02).
    const ms = (value: number) => expect.closeTo(value, 1);
    expect(report).toEqual({
      measured: true,
      sampleEvery: 64,
      samples: 2,
      unmatched: 2,
      intendedToFetched: { p50Ms: ms(2), p99Ms: ms(4) },
      fetchedToBegan: { p50Ms: ms(2), p99Ms: ms(6) },
      beganToCommitted: { p50Ms: ms(4), p99Ms: ms(8) },
      intendedToCommitted: { p50Ms: ms(8), p99Ms: ms(18) },
    });
  });

  it('is not measured when the consumer wrote nothing, or nothing after the warm-up', () => {
    expect(stageTimes('', sent, 100, 64)).toEqual({
      measured: false,
      reason: expect.stringContaining('the consumer wrote no stage trace'),
    });
    expect(stageTimes(`${line(0, 0, 95, 96, 97)}\n`, sent, 100, 64)).toEqual({
      measured: false,
      reason: 'none of the 1 traced events was sent after the warm-up',
    });
    expect(stageTimes('{"p":0,"o":64,"fetched":1,"began":2,"committed":3}\n', sent, 100, 64)).toEqual({
      measured: false,
      reason: expect.stringContaining('none of the 1 lines of the stage trace reads as'),
    });
  });
});

describe('readStageTimes', () => {
  const sent = { intended: Float64Array.from([100]), partition: Int32Array.from([0]), offset: Float64Array.from([0]) };

  it('reads the trace file, and reports a missing one as not measured instead of failing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spr-stage-trace-'));
    try {
      const file = join(dir, 'O-5000-per-sec.jsonl');
      expect(readStageTimes(file, sent, 0, 64).measured).toBe(false);
      writeFileSync(file, `${line(0, 0, 101, 102, 103)}\n`);
      expect(readStageTimes(file, sent, 0, 64)).toMatchObject({
        measured: true,
        samples: 1,
        intendedToCommitted: { p50Ms: 3, p99Ms: 3 },
      });
      expect(readStageTimes(dir, sent, 0, 64)).toEqual({
        measured: false,
        reason: `cannot read the stage trace ${dir}: EISDIR`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
