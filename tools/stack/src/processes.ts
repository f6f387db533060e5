import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';

export interface DetachedProcess {
  readonly pid: number;
  /** Resolves with the exit code (or signal) if the process ends; used to detect a death while starting. */
  readonly exited: Promise<string>;
}

/**
 * Starts a long-running server in its own session, its output appended to `logFile`, so it outlives the
 * command that started it and `stack:down` can stop it by pid later.
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  options: { cwd: string; logFile: string; env?: NodeJS.ProcessEnv },
): DetachedProcess {
  const out = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
      child.once('error', (error) => resolve(`spawn error: ${error.message}`));
    });
    child.unref();
    if (child.pid === undefined) throw new StackError('SERVICE_DIED', `could not start ${command}`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(out);
  }
}

/** True when `pid` is alive and its command line contains `marker` (guards against a recycled pid). */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(marker)) return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie (state Z) has exited; it only waits for its parent to reap it.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false; // no such process
  }
}

/** Sends SIGTERM, waits up to `graceMs` for the process to end, then SIGKILL. */
export async function stopProcess(
  pid: number,
  marker: string,
  graceMs = 20_000,
): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isOurProcess(pid, marker)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  if (await waitUntil(() => !isOurProcess(pid, marker), graceMs)) return 'stopped';
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => !isOurProcess(pid, marker), 5_000);
  return 'killed';
}

/** Polls `condition` every `intervalMs` until it holds or `timeoutMs` passes. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

/** Fails with the port's owner (when `ss` can tell) if something already listens on 127.0.0.1:`port`. */
export async function assertPortFree(port: number, service: string, envName: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (free) return;
  const owner = portOwner(port);
  throw new StackError(
    'PORT_IN_USE',
    `${service} cannot start: port 127.0.0.1:${port} is in use${owner ? ` by ${owner}` : ''}. Stop that process or set ${envName} to a free port.`,
  );
}

function portOwner(port: number): string | undefined {
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(result.stdout ?? '');
  return match ? `${match[1]} (pid ${match[2]})` : undefined;
}

/** Runs a short command to completion; throws with its output if it fails. */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions & { what: string; code?: 'DOWNLOAD_FAILED' | 'SERVICE_DIED' },
): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) {
    throw new StackError(options.code ?? 'SERVICE_DIED', `${options.what} failed: ${result.error.message}`, {
      cause: result.error,
    });
  }
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    throw new StackError(options.code ?? 'SERVICE_DIED', `${options.what} failed (exit ${result.status}):\n${output}`);
  }
  return String(result.stdout ?? '');
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
