import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StackError } from './errors.ts';
import { CCOMPAT_PATH } from './versions.ts';

export interface StackConfig {
  readonly workspaceRoot: string;
  /** One gitignored folder for all state and logs of the stack. */
  readonly stateDir: string;
  readonly host: '127.0.0.1';
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  readonly registryPort: number;
  readonly registryManagementPort: number;
  readonly postgresPort: number;
  readonly postgresUser: string;
  readonly postgresPassword: string;
  readonly postgresDatabase: string;
  /** Java heap per JVM service, e.g. `1g`. */
  readonly kafkaHeap: string;
  readonly registryHeap: string;
  readonly readyTimeoutMs: number;
}

export const DEFAULT_PORTS = {
  kafka: 19092,
  kafkaController: 19093,
  registry: 18081,
  registryManagement: 19081,
  postgres: 15432,
} as const;

export const DEFAULT_READY_TIMEOUT_MS = 120_000;

/** Walks up from `start` to the folder holding nx.json. */
export function findWorkspaceRoot(start: string = import.meta.dirname): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new StackError('BAD_CONFIG', `no nx.json found above ${start}`);
    dir = parent;
  }
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new StackError('BAD_CONFIG', `${name}=${raw} is not a TCP port (an integer from 1 to 65535)`);
  }
  return value;
}

/** Reads the stack's settings from the environment once; every port is overridable. */
export function stackConfig(env: NodeJS.ProcessEnv = process.env, workspaceRoot = findWorkspaceRoot()): StackConfig {
  const config: StackConfig = {
    workspaceRoot,
    stateDir: env.SPR_STACK_DIR ? resolve(env.SPR_STACK_DIR) : join(workspaceRoot, '.spr', 'stack'),
    host: '127.0.0.1',
    kafkaPort: port(env, 'SPR_KAFKA_PORT', DEFAULT_PORTS.kafka),
    kafkaControllerPort: port(env, 'SPR_KAFKA_CONTROLLER_PORT', DEFAULT_PORTS.kafkaController),
    registryPort: port(env, 'SPR_REGISTRY_PORT', DEFAULT_PORTS.registry),
    registryManagementPort: port(env, 'SPR_REGISTRY_MANAGEMENT_PORT', DEFAULT_PORTS.registryManagement),
    postgresPort: port(env, 'SPR_POSTGRES_PORT', DEFAULT_PORTS.postgres),
    postgresUser: 'spr',
    postgresPassword: 'spr',
    postgresDatabase: 'spr',
    kafkaHeap: env.SPR_KAFKA_HEAP ?? '1g',
    registryHeap: env.SPR_REGISTRY_HEAP ?? '512m',
    readyTimeoutMs: DEFAULT_READY_TIMEOUT_MS,
  };
  const ports = [
    config.kafkaPort,
    config.kafkaControllerPort,
    config.registryPort,
    config.registryManagementPort,
    config.postgresPort,
  ];
  if (new Set(ports).size !== ports.length) {
    throw new StackError('BAD_CONFIG', `the stack's ports must differ, got ${ports.join(', ')}`);
  }
  return Object.freeze(config);
}

export interface StackEndpoints {
  readonly KAFKA_BROKERS: string;
  readonly SCHEMA_REGISTRY_URL: string;
  readonly DATABASE_URL: string;
}

export function endpoints(config: StackConfig): StackEndpoints {
  const { host } = config;
  return {
    KAFKA_BROKERS: `${host}:${config.kafkaPort}`,
    SCHEMA_REGISTRY_URL: `http://${host}:${config.registryPort}${CCOMPAT_PATH}`,
    DATABASE_URL: `postgres://${config.postgresUser}:${config.postgresPassword}@${host}:${config.postgresPort}/${config.postgresDatabase}`,
  };
}

/**
 * Quotes `value` for a POSIX shell: left bare when every character is safe unquoted, else in single quotes (a
 * single quote inside becomes '\'').
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * One `export NAME=value` line per endpoint, so `eval "$(npm run -s stack:up)"` puts them in the environment of
 * the shell and of every command it starts afterwards.
 */
export function formatEndpoints(e: StackEndpoints): string {
  const names = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'] as const;
  return names.map((name) => `export ${name}=${shellQuote(e[name])}\n`).join('');
}
