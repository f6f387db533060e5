import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './env-reader.ts';
import { EXIT_CODES, runService, type ServiceContext, type ServiceProcess } from './run-service.ts';

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  let stderr = '';
  const proc: ServiceProcess = {
    on: (event, listener) => emitter.on(event, listener),
    exit: (code) => void exits.push(code),
    stderr: { write: (text) => (stderr += text) },
  };
  const lines: Array<{ level: string; message: string; fields: object }> = [];
  const line = (level: string) => (fields: object, message: string) => void lines.push({ level, message, fields });
  const logger = { info: line('info'), error: line('error'), fatal: line('fatal') };
  return {
    proc,
    logger,
    exits,
    lines,
    stderr: () => stderr,
    signal: (s: NodeJS.Signals) => emitter.emit(s, s),
    messages: () => lines.map((l) => l.message),
  };
}

const run = (fake: ReturnType<typeof fakeProcess>, main: (service: ServiceContext) => Promise<number | void>) =>
  runService(main, { name: 'svc', logger: fake.logger, process: fake.proc });

describe('runService', () => {
  it('on SIGTERM runs the stop steps, last added first, and exits 0', async () => {
    const fake = fakeProcess();
    const order: string[] = [];
    let stopping: AbortSignal | undefined;
    const exited = run(fake, async (service) => {
      stopping = service.stopping;
      service.onStop(() => void order.push('pool'));
      service.onStop(async () => void order.push('server'));
    });
    await sleep(5);
    expect(stopping!.aborted).toBe(false);
    fake.signal('SIGTERM');
    expect(await exited).toBe(EXIT_CODES.clean);
    expect(fake.exits).toEqual([0]);
    expect(order).toEqual(['server', 'pool']);
    expect(stopping!.aborted).toBe(true);
    expect(fake.lines[0]).toMatchObject({
      level: 'info',
      message: 'draining and stopping',
      fields: { signal: 'SIGTERM' },
    });
  });

  it('a signal during start waits for the start, then stops what it started', async () => {
    const fake = fakeProcess();
    const order: string[] = [];
    const exited = run(fake, async (service) => {
      service.onStop(() => void order.push('stop'));
      await sleep(30);
      order.push('started');
    });
    fake.signal('SIGINT');
    expect(await exited).toBe(0);
    expect(order).toEqual(['started', 'stop']);
  });

  it('a second signal exits 1 at once', async () => {
    const fake = fakeProcess();
    const exited = run(fake, async (service) => service.onStop(() => sleep(10_000)));
    await sleep(5);
    fake.signal('SIGTERM');
    fake.signal('SIGTERM');
    expect(await exited).toBe(EXIT_CODES.fatal);
    expect(fake.messages()).toContain('second signal: exiting without finishing the stop');
  });

  it('a stop past the shutdown deadline is logged and exits 1', async () => {
    const fake = fakeProcess();
    const exited = run(fake, async (service) => {
      service.configure({ shutdownTimeoutMs: 20 });
      service.onStop(() => sleep(10_000));
    });
    await sleep(5);
    fake.signal('SIGTERM');
    expect(await exited).toBe(1);
    expect(fake.lines.at(-1)).toMatchObject({
      level: 'error',
      message: 'graceful stop took too long; exiting',
      fields: { timeoutMs: 20 },
    });
  });

  it('a ConfigError exits 2 with the problems on stderr, after stopping anything already registered', async () => {
    const fake = fakeProcess();
    let stopped = false;
    const exited = run(fake, async (service) => {
      service.onStop(() => void (stopped = true));
      throw new ConfigError(['A=x must be an integer', 'B is not set']);
    });
    expect(await exited).toBe(EXIT_CODES.badConfig);
    expect(fake.stderr()).toBe('svc: 2 settings are invalid:\n  - A=x must be an integer\n  - B is not set\n');
    expect(stopped).toBe(true);
  });

  it('a failed start is logged, what started is stopped, exit 1', async () => {
    const fake = fakeProcess();
    let stopped = false;
    const exited = run(fake, async (service) => {
      service.onStop(() => void (stopped = true));
      throw new Error('no database');
    });
    expect(await exited).toBe(1);
    expect(fake.lines[0]).toMatchObject({ level: 'fatal', message: 'svc failed to start' });
    expect(stopped).toBe(true);
  });

  it('fail() while running logs, stops and exits 1, with the logger configure() gave', async () => {
    const fake = fakeProcess();
    const configured = fakeProcess();
    let stopped = false;
    const exited = run(fake, async (service) => {
      service.configure({ logger: configured.logger });
      service.onStop(() => void (stopped = true));
      setTimeout(() => service.fail(new Error('crashed'), 'exiting: the runtime crashed'), 5);
    });
    expect(await exited).toBe(1);
    expect(stopped).toBe(true);
    expect(fake.lines).toEqual([]);
    expect(configured.lines[0]).toMatchObject({ level: 'fatal', message: 'exiting: the runtime crashed' });
  });

  it('a stop step that fails is logged, the others still run, exit 1', async () => {
    const fake = fakeProcess();
    let poolEnded = false;
    const exited = run(fake, async (service) => {
      service.onStop(() => void (poolEnded = true));
      service.onStop(() => Promise.reject(new Error('server would not close')));
    });
    await sleep(5);
    fake.signal('SIGTERM');
    expect(await exited).toBe(1);
    expect(poolEnded).toBe(true);
    expect(fake.messages()).toContain('stopping failed');
  });

  it('a job that finishes exits with its code after the stop steps, even when a signal came meanwhile', async () => {
    const fake = fakeProcess();
    let stopped = false;
    expect(await run(fake, async (service) => (service.onStop(() => void (stopped = true)), 0))).toBe(0);
    expect(stopped).toBe(true);

    const signalled = fakeProcess();
    const exited = run(signalled, async () => (await sleep(20), 1));
    signalled.signal('SIGTERM');
    expect(await exited).toBe(1);
  });
});

describe('runService in a real process', () => {
  const script = join(import.meta.dirname, 'test-support', 'tiny-service.ts');

  function start(env: Record<string, string>) {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const waitFor = async (message: string) => {
      for (let i = 0; i < 400 && !stdout.includes(`"message":"${message}"`); i++) await sleep(25);
    };
    return { child, exited, waitFor, stdout: () => stdout, stderr: () => stderr };
  }

  it('exits 0 after a clean stop on SIGTERM', async () => {
    const tiny = start({ TINY_MODE: 'run' });
    await tiny.waitFor('running');
    tiny.child.kill('SIGTERM');
    expect(await tiny.exited).toBe(0);
    expect(tiny.stdout()).toContain('"message":"draining and stopping"');
    expect(tiny.stdout()).toContain('"message":"stopped"');
  });

  it('exits 1 on a fatal error, and after a stop that passes its deadline', async () => {
    const crash = start({ TINY_MODE: 'crash' });
    const late = start({ TINY_MODE: 'run', TINY_STOP_MS: '10000', SHUTDOWN_TIMEOUT_MS: '200' });
    expect(await crash.exited).toBe(1);
    expect(crash.stdout()).toContain('"message":"exiting: it crashed"');
    await late.waitFor('running');
    late.child.kill('SIGTERM');
    expect(await late.exited).toBe(1);
    expect(late.stdout()).toContain('"message":"graceful stop took too long; exiting"');
  });

  it('exits 2 on bad configuration, naming every bad variable on stderr', async () => {
    const bad = start({ TINY_MODE: 'loud', TINY_STOP_MS: '0x10' });
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toBe(
      'tiny: 2 settings are invalid:\n  - TINY_MODE=loud must be one of run, crash, config, job\n' +
        '  - TINY_STOP_MS=0x10 must be an integer >= 0\n',
    );
  });
});
