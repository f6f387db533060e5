import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endpoints, stackConfig, type StackConfig, type StackEndpoints } from './config.ts';
import { StackError } from './errors.ts';
import { kafkaDriver } from './kafka.ts';
import { postgresDriver } from './postgres.ts';
import { assertPortFree, isOurProcess, waitUntil } from './processes.ts';
import { registryDriver } from './registry.ts';
import type { ServiceDriver, ServiceName, ServiceRecord, StackContext } from './service.ts';

/** Start order; `down` stops in reverse. */
const DRIVERS: readonly ServiceDriver[] = [postgresDriver, kafkaDriver, registryDriver];

type StackState = Partial<Record<ServiceName, ServiceRecord>>;

export interface ServiceStatus {
  readonly name: ServiceName;
  readonly version: string;
  readonly state: 'running' | 'started' | 'stopped' | 'unhealthy';
  readonly pid?: number;
  readonly port: number;
  readonly coldStartMs?: number;
}

export interface StackReport {
  readonly services: readonly ServiceStatus[];
  readonly endpoints: StackEndpoints;
}

export interface StackOptions {
  readonly config?: StackConfig;
  /** Progress lines for people (the CLI writes them to stderr). */
  readonly log?: (line: string) => void;
}

const stateFile = (config: StackConfig) => join(config.stateDir, 'state.json');

function readState(config: StackConfig): StackState {
  try {
    return JSON.parse(readFileSync(stateFile(config), 'utf8')) as StackState;
  } catch {
    return {};
  }
}

function writeState(config: StackConfig, state: StackState): void {
  mkdirSync(config.stateDir, { recursive: true });
  writeFileSync(stateFile(config), `${JSON.stringify(state, null, 2)}\n`);
}

function context(options: StackOptions): StackContext {
  return { config: options.config ?? stackConfig(), log: options.log ?? (() => undefined) };
}

function primaryPort(driver: ServiceDriver, config: StackConfig): number {
  return driver.ports(config)[0]!.port;
}

/**
 * Serialises `up` and `down` across processes (an `npm test` and a test file may both try to start the stack).
 * The lock is a directory holding the owner's pid; a lock whose owner died is taken over.
 */
async function withLock<T>(config: StackConfig, work: () => Promise<T>): Promise<T> {
  mkdirSync(config.stateDir, { recursive: true });
  const lock = join(config.stateDir, 'lock');
  const ownerFile = join(lock, 'pid');
  const acquired = await waitUntil(
    () => {
      try {
        mkdirSync(lock);
        writeFileSync(ownerFile, String(process.pid));
        return true;
      } catch {
        const owner = Number(readFileSafe(ownerFile));
        if (owner && !pidAlive(owner)) rmSync(lock, { recursive: true, force: true });
        return false;
      }
    },
    config.readyTimeoutMs * 3,
    250,
  );
  if (!acquired) throw new StackError('LOCKED', `another process holds ${lock} (pid ${readFileSafe(ownerFile)})`);
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts whatever of the stack is not running yet; a no-op (that reports what runs) when all is up. */
export async function stackUp(options: StackOptions = {}): Promise<StackReport> {
  const ctx = context(options);
  const { config, log } = ctx;
  return withLock(config, async () => {
    const state = readState(config);
    const services: ServiceStatus[] = [];
    for (const driver of DRIVERS) {
      const port = primaryPort(driver, config);
      const record = state[driver.name];
      if (record && isOurProcess(record.pid, record.marker)) {
        if (await driver.isReady(ctx)) {
          log(`${driver.name.padEnd(9)}already running (pid ${record.pid}, 127.0.0.1:${port})`);
          services.push({
            name: driver.name,
            version: record.version,
            state: 'running',
            pid: record.pid,
            port,
            coldStartMs: record.coldStartMs,
          });
          continue;
        }
        log(`${driver.name.padEnd(9)}pid ${record.pid} does not answer; restarting it`);
        await driver.stop(ctx, record);
      }
      delete state[driver.name];
      writeState(config, state);
      for (const { port: p, envName } of driver.ports(config)) await assertPortFree(p, driver.name, envName);
      await driver.prepare(ctx);
      log(`${driver.name.padEnd(9)}starting ${driver.version}`);
      const began = performance.now();
      const started = await driver.start(ctx);
      const coldStartMs = Math.round(performance.now() - began);
      state[driver.name] = {
        ...started,
        version: driver.version,
        port,
        startedAt: new Date().toISOString(),
        coldStartMs,
      };
      writeState(config, state);
      log(
        `${driver.name.padEnd(9)}ready on 127.0.0.1:${port} (pid ${started.pid}) in ${(coldStartMs / 1000).toFixed(1)}s`,
      );
      services.push({
        name: driver.name,
        version: driver.version,
        state: 'started',
        pid: started.pid,
        port,
        coldStartMs,
      });
    }
    return { services, endpoints: endpoints(config) };
  });
}

/** Stops exactly the processes `stackUp` started (by recorded pid), in reverse order. */
export async function stackDown(options: StackOptions = {}): Promise<void> {
  const ctx = context(options);
  const { config, log } = ctx;
  await withLock(config, async () => {
    const state = readState(config);
    for (const driver of [...DRIVERS].reverse()) {
      const record = state[driver.name];
      if (!record) {
        log(`${driver.name.padEnd(9)}not running`);
        continue;
      }
      const outcome = await driver.stop(ctx, record);
      log(
        `${driver.name.padEnd(9)}${outcome === 'not-running' ? 'was not running' : `${outcome} (pid ${record.pid})`}`,
      );
      delete state[driver.name];
      writeState(config, state);
    }
  });
}

export async function stackStatus(options: StackOptions = {}): Promise<StackReport> {
  const ctx = context(options);
  const state = existsSync(stateFile(ctx.config)) ? readState(ctx.config) : {};
  const services: ServiceStatus[] = [];
  for (const driver of DRIVERS) {
    const record = state[driver.name];
    const port = primaryPort(driver, ctx.config);
    if (!record || !isOurProcess(record.pid, record.marker)) {
      services.push({ name: driver.name, version: driver.version, state: 'stopped', port });
      continue;
    }
    const ready = await driver.isReady(ctx);
    services.push({
      name: driver.name,
      version: record.version,
      state: ready ? 'running' : 'unhealthy',
      pid: record.pid,
      port,
      coldStartMs: record.coldStartMs,
    });
  }
  return { services, endpoints: endpoints(ctx.config) };
}
