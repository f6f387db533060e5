import { describe, expect, it, vi } from 'vitest';
import type { ConsumerProcess, ExitInfo } from './consumer-process.ts';
import { MAX_RESTARTS, RESTART_DELAY_MS, superviseMember } from './supervised-member.ts';

/** A stand-in process that exits when the test says so. */
function fakeProcess(name: string) {
  let exit: ExitInfo | undefined;
  let resolve!: (e: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((r) => (resolve = r));
  const end = (code: number | null, signal: NodeJS.Signals | null = null) => {
    exit ??= { code, signal, at: Date.now() };
    resolve(exit);
  };
  const process: ConsumerProcess = {
    name,
    pid: 1,
    startedAt: Date.now(),
    exited,
    exitInfo: () => exit,
    lines: () => [{ message: `hello from ${name}` }],
    count: () => 1,
    waitForLog: async () => undefined,
    signal: (signal) => (signal === 'SIGKILL' || signal === 'SIGTERM' ? end(null, signal) : undefined),
    stop: async () => {
      end(0);
      return exited;
    },
    state: () => (exit ? undefined : 'S'),
  };
  return { process, end };
}

function harness() {
  const spawned: Array<{ name: string; env: Record<string, string>; end: (code: number | null) => void }> = [];
  const spawn = (name: string, env: Record<string, string>) => {
    const fake = fakeProcess(name);
    spawned.push({ name, env, end: fake.end });
    return fake.process;
  };
  return { spawned, spawn };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('superviseMember', () => {
  it('restarts a member that crashed on its own, without its fault-injection settings, and counts every incarnation', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { spawned, spawn } = harness();
      const member = superviseMember(
        spawn,
        'm',
        { SPR_FAULT_POINT: 'mid-insert:2', SPR_FAULT_ACTION: 'stop', A: '1' },
        () => undefined,
      );
      spawned[0]!.end(1);
      await flush();
      expect(member.exitInfo()).toBeUndefined();
      vi.advanceTimersByTime(RESTART_DELAY_MS);
      expect(spawned.map((s) => s.name)).toEqual(['m', 'm-restart1']);
      expect(spawned[1]!.env).toEqual({ A: '1' });
      expect(member.count('x')).toBe(2);
      expect(member.lines()).toHaveLength(2);
      await member.stop();
      expect(member.exitInfo()?.code).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not restart a member it was told to stop, killed, or that crashed too often', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { spawned, spawn } = harness();
      const killed = superviseMember(spawn, 'k', {}, () => undefined);
      killed.signal('SIGKILL');
      await flush();
      vi.advanceTimersByTime(RESTART_DELAY_MS);
      expect(spawned).toHaveLength(1);
      expect(killed.exitInfo()?.signal).toBe('SIGKILL');

      const flaky = superviseMember(spawn, 'f', {}, () => undefined);
      for (let i = 0; i <= MAX_RESTARTS; i++) {
        spawned.at(-1)!.end(1);
        await flush();
        vi.advanceTimersByTime(RESTART_DELAY_MS);
      }
      expect(spawned.filter((s) => s.name.startsWith('f'))).toHaveLength(MAX_RESTARTS + 1);
      expect(flaky.exitInfo()?.code).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
