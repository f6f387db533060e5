import { spawnService } from '@spr/stack';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

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
export function startService(
  name: string,
  bundle: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): ServiceProcess {
  const lines: string[] = [];
  const service = spawnService(bundle, {
    name,
    args,
    env: { ...process.env, ...env },
    // Only the text of the last lines is kept, for an error message.
    keep: () => false,
    onLine: (_line, text) => {
      lines.push(text);
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    },
  });
  return {
    name,
    pid: service.pid,
    exited: service.exited.then(({ code }) => code),
    tail: (n = 15) => lines.slice(-n).join('\n'),
    stop: async (graceMs = 30_000) => (await service.stop({ graceMs })).code,
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
    await sleep(100);
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
