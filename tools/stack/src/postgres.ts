import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { StackConfig } from './config.ts';
import { endpoints } from './config.ts';
import { StackError } from './errors.ts';
import { run, stopProcess, tail } from './processes.ts';
import type { ServiceDriver, StackContext } from './service.ts';
import { POSTGRES_MAJOR } from './versions.ts';

/**
 * PostgreSQL refuses to run as root. When the stack runs as root, the server runs as the `postgres` user; its
 * folder must then be reachable by that user, which a workspace under a private folder (mktemp -d) is not. In
 * that case the data lives under /var/tmp and `.spr/stack/postgres` is a symlink to it, so all state is still
 * found through the one state folder.
 */
const isRoot = () => process.getuid?.() === 0;
const SERVER_USER = 'postgres';

function asServerUser(command: string, args: readonly string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, [...args]];
}

function serverUserCanReach(dir: string): boolean {
  if (!isRoot()) return true;
  return spawnSync('runuser', ['-u', SERVER_USER, '--', 'test', '-w', dir], { stdio: 'ignore' }).status === 0;
}

function pgRoot(config: StackConfig): string {
  return join(config.stateDir, 'postgres');
}

/** Creates the server's folder (or the symlink to it) owned by the user the server runs as. */
function ensurePgRoot(config: StackConfig): string {
  const link = pgRoot(config);
  if (existsSync(link)) return link;
  mkdirSync(config.stateDir, { recursive: true });
  if (isRoot() && !serverUserCanReach(config.stateDir)) {
    const hash = createHash('sha256').update(config.stateDir).digest('hex').slice(0, 12);
    const outside = `/var/tmp/spr-stack-${hash}/postgres`;
    mkdirSync(outside, { recursive: true });
    const uid = Number(run('id', ['-u', SERVER_USER], { what: 'looking up the postgres user' }).trim());
    const gid = Number(run('id', ['-g', SERVER_USER], { what: 'looking up the postgres group' }).trim());
    chownSync(join(outside, '..'), uid, gid);
    chownSync(outside, uid, gid);
    if (lstatSync(link, { throwIfNoEntry: false })) rmSync(link);
    symlinkSync(outside, link);
    return link;
  }
  mkdirSync(link, { recursive: true });
  if (isRoot()) run('chown', [SERVER_USER, link], { what: 'handing the PostgreSQL folder to the postgres user' });
  return link;
}

/** The server binaries, preferring Debian's PostgreSQL of the pinned major version. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base)
        .map(Number)
        .filter((n) => Number.isInteger(n))
    : [];
  const preferred = majors.includes(POSTGRES_MAJOR) ? POSTGRES_MAJOR : Math.max(...majors);
  const dir = join(base, String(preferred), 'bin');
  if (!majors.length || !existsSync(join(dir, 'initdb'))) {
    throw new StackError(
      'POSTGRES_MISSING',
      `PostgreSQL server binaries were not found under ${base}. Install them: apt-get install -y postgresql`,
    );
  }
  return dir;
}

const paths = (config: StackConfig) => {
  // The resolved folder: the server user may not be able to pass through the symlink's own parent.
  const link = pgRoot(config);
  const root = existsSync(link) ? realpathSync(link) : link;
  return { root, data: join(root, 'data'), log: join(root, 'postgres.log'), conf: join(root, 'data', 'spr.conf') };
};

function serverSettings(config: StackConfig): string {
  return [
    '# Written by tools/stack on every start. fsync and synchronous_commit stay at their safe defaults: the',
    '# guarantees and benchmarks are about a durable database.',
    `listen_addresses = '${config.host}'`,
    `port = ${config.postgresPort}`,
    "unix_socket_directories = ''",
    'max_connections = 300',
    'shared_buffers = 256MB',
    'max_wal_size = 2GB',
    "log_line_prefix = '%m [%p] %q%u@%d '",
    '',
  ].join('\n');
}

async function answers(config: StackConfig, database = config.postgresDatabase): Promise<boolean> {
  const client = new pg.Client({
    connectionString: endpoints(config).DATABASE_URL.replace(/\/[^/]+$/, `/${database}`),
    connectionTimeoutMillis: 2_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function pgIsReady(config: StackConfig): boolean {
  return (
    spawnSync(join(postgresBinDir(), 'pg_isready'), ['-q', '-h', config.host, '-p', String(config.postgresPort)])
      .status === 0
  );
}

export const postgresDriver: ServiceDriver = {
  name: 'postgres',
  version: String(POSTGRES_MAJOR),
  ports: (config) => [{ port: config.postgresPort, envName: 'SPR_POSTGRES_PORT' }],
  logFile: (config) => paths(config).log,

  async prepare(ctx: StackContext) {
    const bin = postgresBinDir();
    ensurePgRoot(ctx.config);
    const p = paths(ctx.config);
    if (existsSync(join(p.data, 'PG_VERSION'))) return;
    ctx.log('initialising a new PostgreSQL cluster');
    const pwfile = join(p.root, 'pwfile');
    writeFileSync(pwfile, `${ctx.config.postgresPassword}\n`, { mode: 0o644 });
    try {
      const [cmd, args] = asServerUser(join(bin, 'initdb'), [
        '-D',
        p.data,
        '-U',
        ctx.config.postgresUser,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ]);
      run(cmd, args, { what: 'initdb' });
    } finally {
      rmSync(pwfile, { force: true });
    }
    writeFileSync(
      join(p.data, 'postgresql.conf'),
      `${readFileSync(join(p.data, 'postgresql.conf'), 'utf8')}\ninclude_if_exists = 'spr.conf'\n`,
    );
  },

  async start(ctx: StackContext) {
    const { config } = ctx;
    const p = paths(config);
    writeFileSync(p.conf, serverSettings(config));
    if (isRoot()) run('chown', [SERVER_USER, p.conf], { what: 'handing spr.conf to the postgres user' });
    const [cmd, args] = asServerUser(join(postgresBinDir(), 'pg_ctl'), [
      '-D',
      p.data,
      '-l',
      p.log,
      '-w',
      '-t',
      String(config.readyTimeoutMs / 1000),
      'start',
    ]);
    try {
      run(cmd, args, { what: 'pg_ctl start' });
    } catch (error) {
      throw new StackError('SERVICE_DIED', `PostgreSQL did not start. Last lines of ${p.log}:\n${tail(p.log)}`, {
        cause: error,
      });
    }
    if (!pgIsReady(config))
      throw new StackError(
        'NOT_READY',
        `pg_isready does not answer on ${config.host}:${config.postgresPort}. Last lines of ${p.log}:\n${tail(p.log)}`,
      );
    if (!(await answers(config))) await createDatabase(config);
    const pid = Number(readFileSync(join(p.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return { pid, marker: p.data };
  },

  async isReady(ctx) {
    return pgIsReady(ctx.config) && (await answers(ctx.config));
  },

  async stop(_ctx, record) {
    const p = paths(_ctx.config);
    const [cmd, args] = asServerUser(join(postgresBinDir(), 'pg_ctl'), [
      '-D',
      p.data,
      '-m',
      'fast',
      '-w',
      '-t',
      '60',
      'stop',
    ]);
    const result = spawnSync(cmd, args, { encoding: 'utf8' });
    if (result.status === 0) return 'stopped';
    return stopProcess(record.pid, record.marker);
  },
};

async function createDatabase(config: StackConfig): Promise<void> {
  const client = new pg.Client({ connectionString: endpoints(config).DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`create database ${config.postgresDatabase}`);
  } finally {
    await client.end();
  }
}
