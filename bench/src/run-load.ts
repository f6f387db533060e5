import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { BenchContext } from './bench-context.ts';
import { stopChild } from './bench-resources.ts';
import { sleep } from './clock.ts';
import { LOAD_CONFIG_ENV, type LoadConfig, type LoadMessage, type LoadResult } from './load-protocol.ts';

const LOAD_PROCESS = join(import.meta.dirname, 'load-process.ts');

export interface LoadHandle {
  /** Resolves once the child is connected, has registered the schemas and waits for `go`. */
  readonly ready: Promise<void>;
  go(): void;
  /** The sends, once every event was acknowledged (or failed). */
  readonly result: Promise<LoadResult>;
  close(): Promise<void>;
}

/** Starts an open-loop producer in a child process (see load-process.ts). */
export function startLoad(ctx: BenchContext, config: LoadConfig): LoadHandle {
  const child = fork(LOAD_PROCESS, [], {
    env: { ...process.env, [LOAD_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  ctx.resources.track(child, 'load producer');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let readyResolve!: () => void;
  let fail!: (error: Error) => void;
  let resultResolve!: (r: LoadResult) => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    fail = reject;
  });
  const result = new Promise<LoadResult>((resolve, reject) => {
    resultResolve = resolve;
    const previous = fail;
    fail = (error) => {
      previous(error);
      reject(error);
    };
  });
  ready.catch(() => undefined);
  result.catch(() => undefined);
  child.on('message', (message: LoadMessage) => {
    if (message.type === 'ready') readyResolve();
    else if (message.type === 'result') resultResolve(message);
    else fail(new Error(`the load producer failed: ${message.error}`));
  });
  child.once('exit', (code, signal) => fail(new Error(`the load producer exited (code ${code}, signal ${signal})`)));
  return {
    ready,
    go: () => child.send({ type: 'go' }),
    result,
    async close() {
      if (child.connected) child.send({ type: 'stop' });
      await Promise.race([exited, sleep(10_000)]);
      await stopChild(child, 'load producer', ctx.log);
    },
  };
}
