import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawnService, type ServiceProcess } from './spawn-service.ts';

const dir = mkdtempSync(join(tmpdir(), 'spawn-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny child: writes what it is told to, in separate chunks, then waits; SIGTERM ends it unless told not to. */
function script(body: string): string {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    file,
    `const pause = (ms) => new Promise((r) => setTimeout(r, ms));\nsetInterval(() => {}, 1_000);\n${body}\n`,
  );
  return file;
}

const started: ServiceProcess[] = [];
const start = (...args: Parameters<typeof spawnService>) => {
  const service = spawnService(...args);
  started.push(service);
  return service;
};
afterAll(() => started.forEach((s) => s.signal('SIGKILL')));

describe('spawnService', () => {
  it('reads JSON lines split across chunks whole, keeps other lines as text, and writes the raw output to the log file', async () => {
    const logFile = join(dir, 'out.log');
    const bundle = script(`
      process.stdout.write('{"level":"info","mess');
      await pause(50);
      process.stdout.write('age":"hello","n":1}\\nnot json\\n');
      await pause(50);
      process.stderr.write('{"message":"on stderr"}\\n\\n42\\n');
      process.stdout.write('{"message":"ready"}\\n');
      process.on('SIGTERM', () => process.exit(0));`);
    const seen: string[] = [];
    const service = start(bundle, {
      env: { PATH: process.env.PATH },
      logFile,
      onLine: (_line, text) => seen.push(text),
    });
    const ready = await service.waitForLine((l) => l.message === 'ready', { timeoutMs: 10_000 });
    expect(ready).toEqual({ message: 'ready' });
    expect(service.lines()).toEqual(
      expect.arrayContaining([
        { level: 'info', message: 'hello', n: 1 },
        { message: 'not json' },
        { message: 'on stderr' },
        { message: '42' },
      ]),
    );
    expect(service.lines()).toHaveLength(5);
    expect(seen).toContain('{"level":"info","message":"hello","n":1}');
    // A line already logged is found at once.
    expect(await service.waitForLine((l) => l.n === 1, { timeoutMs: 1 })).toMatchObject({ message: 'hello' });
    const exit = await service.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(service.exitInfo()).toBe(exit);
    // The file is closed once the output was read to the end, a moment after the exit.
    await vi.waitFor(() =>
      expect(readFileSync(logFile, 'utf8')).toContain('{"level":"info","message":"hello","n":1}\nnot json\n'),
    );
  });

  it('resolves exited once every line was read, the last one without a newline too', async () => {
    const service = start(
      script(
        `for (let i = 0; i < 2_000; i++) console.log(JSON.stringify({ i })); process.stdout.write('{"last":true}', () => process.exit(7));`,
      ),
      {
        env: {},
        keepLines: 5_000,
      },
    );
    expect(await service.exited).toMatchObject({ code: 7, signal: null });
    expect(service.lines()).toHaveLength(2_001);
    expect(service.lines().at(-1)).toEqual({ last: true });
  });

  it('keeps only the lines asked for, the newest', async () => {
    const bundle = script(
      `for (let i = 0; i < 10; i++) console.log(JSON.stringify({ message: 'line', i, level: i % 2 ? 'warn' : 'info' }));`,
    );
    const service = start(bundle, { env: {}, keepLines: 3, keep: (l) => l.level === 'warn' });
    await service.waitForLine((l) => l.i === 9, { timeoutMs: 10_000 });
    expect(service.lines().map((l) => l.i)).toEqual([5, 7, 9]);
    await service.stop();
  });

  it('sends SIGKILL when SIGTERM does not end the process within the grace period', async () => {
    const bundle = script(`process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up');`);
    const service = start(bundle, { env: {} });
    await service.waitForLine((l) => l.message === 'up', { timeoutMs: 10_000 });
    let killed = false;
    const exit = await service.stop({ graceMs: 300, onKill: () => (killed = true) });
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(killed).toBe(true);
    expect(service.lines()).toContainEqual({ message: 'ignoring SIGTERM' });
    expect(await service.stop()).toBe(exit);
  });

  it('stops a stopped (SIGSTOP) process: SIGCONT comes first', async () => {
    const bundle = script(`process.on('SIGTERM', () => process.exit(3)); console.log('up');`);
    const service = start(bundle, { env: {} });
    await service.waitForLine((l) => l.message === 'up', { timeoutMs: 10_000 });
    service.signal('SIGSTOP');
    expect(await service.stop({ graceMs: 5_000 })).toMatchObject({ code: 3 });
  });

  it('waitForLine: undefined when the process ends without the line; NOT_READY on timeout; the reason on abort', async () => {
    const quits = start(script(`console.log('bye'); process.exit(1);`), { env: {} });
    expect(await quits.waitForLine((l) => l.message === 'never', { timeoutMs: 10_000 })).toBeUndefined();
    expect((await quits.exited).code).toBe(1);

    const quiet = start(script(``), { env: {}, name: 'quiet' });
    await expect(quiet.waitForLine(() => false, { timeoutMs: 50, what: 'nothing' })).rejects.toMatchObject({
      code: 'NOT_READY',
      message: expect.stringContaining('waiting for nothing (quiet'),
    });
    const reason = new Error('stopping');
    await expect(quiet.waitForLine(() => false, { timeoutMs: 10_000, signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    await quiet.stop();
  });
});
