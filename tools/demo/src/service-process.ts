import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** The last log lines, for an error message. */
  tail(lines?: number): string;
  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/** Runs an app's bundle as its own process, its output kept for errors. */
export function startService(name: string, bundle: string, args: readonly string[], env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(process.execPath, [bundle, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    pid: child.pid!,
    exited,
    tail: (n = 15) => lines.slice(-n).join('\n'),
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Waits until `url` answers 200, failing early (with the service's log) if the process exits. */
export async function waitUntilReady(service: ServiceProcess, url: string, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  void service.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${service.name} exited while starting:\n${service.tail()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${service.name} was not ready at ${url} within ${timeoutMs / 1000}s:\n${service.tail()}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
