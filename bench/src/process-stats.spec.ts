import { describe, expect, it } from 'vitest';
import { cpuDelta, parseProcStat } from './process-stats.ts';

describe('parseProcStat', () => {
  it('reads ppid and CPU times after the command name, even one with spaces and parentheses', () => {
    const line = '4242 (postgres: spr (idle)) S 5777 5777 5777 0 -1 4194304 100 0 0 0 1200 340 15 7 20 0 1 0 12345 0 0';
    expect(parseProcStat(4242, line)).toEqual({
      pid: 4242,
      ppid: 5777,
      utime: 1200,
      stime: 340,
      cutime: 15,
      cstime: 7,
    });
  });

  it('subtracts snapshots', () => {
    expect(cpuDelta({ node: 1, java: 2, postgres: 3 }, { node: 1.5, java: 4.25, postgres: 3 })).toEqual({
      node: 0.5,
      java: 2.25,
      postgres: 0,
    });
  });
});
