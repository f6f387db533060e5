import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  endpoints as stackEndpoints,
  POSTGRES_MAJOR,
  stackConfig,
  stackDown,
  stackUp,
  type StackConfig,
  type StackEndpoints,
} from '@spr/stack';
import { ChaosError } from './chaos-error.ts';
import { isAlive, signalIfOurs } from './processes.ts';
import { waitUntil } from './wait-until.ts';

/** The services a chaos run uses, and (on a stack of its own) the faults it may inject into them. */
export interface ChaosStack {
  readonly kind: 'own' | 'env';
  readonly endpoints: StackEndpoints;
  /** Faults on the services themselves are only allowed on a stack this suite started. */
  readonly faultsAllowed: boolean;
  /** `kill -9` of the broker; resolves once the process is gone. */
  killKafka(): Promise<{ pid: number }>;
  /** Starts the broker again on the same data and ports; resolves once it answers. */
  startKafka(): Promise<{ pid: number }>;
  /** SIGSTOP of the (in-memory) schema registry: it keeps its schemas but answers nothing. */
  freezeRegistry(): { pid: number };
  thawRegistry(): void;
  /** `pg_ctl restart -m immediate`: every backend dies without a checkpoint; resolves once it accepts connections. */
  restartPostgresImmediate(): Promise<{ pidBefore: number; pidAfter: number }>;
  /** After a scenario (also a failed one): thaws the registry and starts whatever does not answer. */
  ensureHealthy(): Promise<void>;
  /** Stops exactly what this stack started (a no-op for services from the environment). */
  stop(): Promise<void>;
}

interface ServiceRecord {
  readonly pid: number;
  readonly marker: string;
}
type StackState = Partial<Record<'kafka' | 'registry' | 'postgres', ServiceRecord>>;

/** Where a chaos run keeps its own stack (gitignored): a second, isolated stack beside the shared one. */
export const CHAOS_STACK_DIR = '.spr/chaos-stack';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function chaosStackConfig(stateDir: string, workspaceRoot: string): Promise<StackConfig> {
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(await freePort());
  const [kafka, controller, registry, management, postgres] = [...ports];
  return stackConfig(
    {
      SPR_STACK_DIR: stateDir,
      SPR_KAFKA_PORT: String(kafka),
      SPR_KAFKA_CONTROLLER_PORT: String(controller),
      SPR_REGISTRY_PORT: String(registry),
      SPR_REGISTRY_MANAGEMENT_PORT: String(management),
      SPR_POSTGRES_PORT: String(postgres),
      SPR_KAFKA_HEAP: '768m',
      SPR_REGISTRY_HEAP: '384m',
    },
    workspaceRoot,
  );
}

const readState = (config: StackConfig): StackState => {
  try {
    return JSON.parse(readFileSync(join(config.stateDir, 'state.json'), 'utf8')) as StackState;
  } catch {
    return {};
  }
};

function record(config: StackConfig, service: keyof StackState): ServiceRecord {
  const r = readState(config)[service];
  if (!r) throw new ChaosError('STACK', `the chaos stack in ${config.stateDir} has no running ${service}`);
  return r;
}

const isRoot = () => process.getuid?.() === 0;

function pgCtl(args: readonly string[]): void {
  const pgCtlPath = join('/usr/lib/postgresql', String(POSTGRES_MAJOR), 'bin', 'pg_ctl');
  const [command, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', pgCtlPath, ...args]] : [pgCtlPath, [...args]];
  // -l sends the server's output to its log: without it the restarted server would hold our pipe open.
  const result = spawnSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  if (result.status !== 0)
    throw new ChaosError(
      'STACK',
      `pg_ctl ${args.join(' ')} failed (exit ${result.status}): ${result.stdout}${result.stderr}`,
    );
}

/**
 * Starts a stack of its own for a chaos run: its own state folder and free ports, fresh data (a previous run's
 * leftovers are stopped by their recorded pids and wiped; downloaded jars are kept). The shared stack on the
 * default ports is never touched: every signal goes to a pid recorded in this folder and checked against its
 * command line.
 */
export async function startOwnChaosStack(options: {
  stateDir: string;
  workspaceRoot: string;
  log: (line: string) => void;
}): Promise<ChaosStack> {
  const { log } = options;
  const releaseRun = holdRunLock(options.stateDir);
  try {
    return await startStack(options.stateDir, options.workspaceRoot, log, releaseRun);
  } catch (error) {
    releaseRun();
    throw error;
  }
}

/**
 * One chaos run per state folder: a second run would stop the first one's services as leftovers. The lock is a
 * file with the owner's pid; a lock whose owner is gone is taken over.
 */
function holdRunLock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'chaos-run.pid');
  const owner = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
  if (owner && owner !== process.pid && isAlive(owner)) {
    throw new ChaosError('STACK', `another chaos run (pid ${owner}) is using ${stateDir}; wait for it or stop it`);
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

async function startStack(
  stateDir: string,
  workspaceRoot: string,
  log: (line: string) => void,
  releaseRun: () => void,
): Promise<ChaosStack> {
  const config = await chaosStackConfig(stateDir, workspaceRoot);
  const stackLog = (line: string) => log(`[chaos-stack] ${line}`);
  // A run that was killed may have left its services running: stop them by their recorded pids, then start clean.
  if (Object.keys(readState(config)).length > 0) await stackDown({ config, log: stackLog });
  rmSync(join(config.stateDir, 'kafka', 'data'), { recursive: true, force: true });
  const pgLink = join(config.stateDir, 'postgres');
  if (existsSync(pgLink)) rmSync(join(realpathSync(pgLink), 'data'), { recursive: true, force: true });
  await stackUp({ config, log: stackLog });
  let registryFrozen = false;
  const thawRegistry = () => {
    const { pid, marker } = record(config, 'registry');
    signalIfOurs(pid, marker, 'SIGCONT');
    registryFrozen = false;
  };

  const pgPaths = () => {
    const root = realpathSync(pgLink);
    return { data: join(root, 'data'), log: join(root, 'postgres.log') };
  };

  return {
    kind: 'own',
    endpoints: stackEndpoints(config),
    faultsAllowed: true,

    async killKafka() {
      const { pid, marker } = record(config, 'kafka');
      if (!signalIfOurs(pid, marker, 'SIGKILL'))
        throw new ChaosError('STACK', `the chaos stack's broker (pid ${pid}) is not running`);
      await waitUntil(() => !isAlive(pid, marker), { what: `broker pid ${pid} to die`, timeoutMs: 15_000 });
      return { pid };
    },

    async startKafka() {
      // stackUp restarts whatever does not answer; a frozen registry would be restarted too (and lose its schemas).
      if (registryFrozen) throw new ChaosError('STACK', 'thaw the registry before starting the broker');
      await stackUp({ config, log: stackLog });
      return { pid: record(config, 'kafka').pid };
    },

    freezeRegistry() {
      const { pid, marker } = record(config, 'registry');
      if (!signalIfOurs(pid, marker, 'SIGSTOP'))
        throw new ChaosError('STACK', `the chaos stack's registry (pid ${pid}) is not running`);
      registryFrozen = true;
      return { pid };
    },

    thawRegistry,

    async restartPostgresImmediate() {
      const p = pgPaths();
      const pidBefore = Number(readFileSync(join(p.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      pgCtl(['restart', '-D', p.data, '-m', 'immediate', '-w', '-t', '120', '-l', p.log]);
      const pidAfter = Number(readFileSync(join(p.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // The stack's state names the server by pid: keep it true, or a later stackUp would think it died.
      const state = readState(config);
      if (state.postgres)
        writeFileSync(
          join(config.stateDir, 'state.json'),
          `${JSON.stringify({ ...state, postgres: { ...state.postgres, pid: pidAfter } }, null, 2)}\n`,
        );
      return { pidBefore, pidAfter };
    },

    async ensureHealthy() {
      thawRegistry();
      // A registry that was frozen answers again within moments; stackUp would restart it (losing every schema) if not.
      await waitUntil(() => registryAnswers(stackEndpoints(config).SCHEMA_REGISTRY_URL), {
        what: 'the registry to answer',
        timeoutMs: 30_000,
        intervalMs: 200,
      }).catch(() => undefined);
      await stackUp({ config, log: stackLog });
    },

    async stop() {
      if (registryFrozen) thawRegistry();
      try {
        await stackDown({ config, log: stackLog });
      } finally {
        releaseRun();
      }
    },
  };
}

async function registryAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/** The services named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL: shared, so no service faults. */
export function envChaosStack(endpoints: StackEndpoints): ChaosStack {
  const refuse = (): never => {
    throw new ChaosError(
      'STACK',
      "faults on the services need a stack of the chaos suite's own (run without --stack env)",
    );
  };
  return {
    kind: 'env',
    endpoints,
    faultsAllowed: false,
    killKafka: async () => refuse(),
    startKafka: async () => refuse(),
    freezeRegistry: () => refuse(),
    thawRegistry: () => undefined,
    restartPostgresImmediate: async () => refuse(),
    ensureHealthy: async () => undefined,
    stop: async () => undefined,
  };
}
