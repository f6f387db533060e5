/**
 * The stack commands themselves, on a second stack with its own state folder and ports (so the stack the other
 * tests use is untouched): a busy port is named, `up` twice is a no-op, its stdout exported by `eval` reaches the
 * commands a shell runs next, `down` leaves no process and no port.
 */
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWorkspaceRoot } from './config.ts';
import { runCommand, type CommandResult } from './test-support/run-command.ts';

const CLI = join(import.meta.dirname, 'cli.ts');
let stateDir: string;
let env: NodeJS.ProcessEnv;
let ports: number[];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function stack(command: 'up' | 'down' | 'status'): Promise<CommandResult> {
  return runCommand(process.execPath, [CLI, command], { env });
}

/** Runs `script` in bash from the workspace root, as a person would type it there. */
function sh(script: string, shellEnv: NodeJS.ProcessEnv): Promise<CommandResult> {
  return runCommand('bash', ['-c', script], { cwd: findWorkspaceRoot(), env: shellEnv });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

function pidsFrom(stderr: string): number[] {
  return [...stderr.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
}

/** Alive and not a zombie (an exited process its new parent has not reaped yet). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'spr-stack-cli-'));
  ports = [];
  for (let i = 0; i < 5; i++) ports.push(await freePort());
  env = {
    ...process.env,
    SPR_STACK_DIR: stateDir,
    SPR_KAFKA_PORT: String(ports[0]),
    SPR_KAFKA_CONTROLLER_PORT: String(ports[1]),
    SPR_REGISTRY_PORT: String(ports[2]),
    SPR_REGISTRY_MANAGEMENT_PORT: String(ports[3]),
    SPR_POSTGRES_PORT: String(ports[4]),
  };
});

afterAll(async () => {
  await stack('down');
  const pg = join(stateDir, 'postgres');
  if (lstatSync(pg, { throwIfNoEntry: false })?.isSymbolicLink())
    rmSync(dirname(readlinkSync(pg)), { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

describe('stack commands', () => {
  it('names a busy port and who holds it', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: ports[4] }, resolve));
    try {
      const result = await stack('up');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`PORT_IN_USE`);
      expect(result.stderr).toContain(`port 127.0.0.1:${ports[4]} is in use by `);
      expect(result.stderr).toContain(`(pid ${process.pid})`);
      expect(result.stderr).toContain('SPR_POSTGRES_PORT');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('up twice is a no-op; stdout is the endpoints as shell exports', async () => {
    const first = await stack('up');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(
      `export KAFKA_BROKERS=127.0.0.1:${ports[0]}\nexport SCHEMA_REGISTRY_URL=http://127.0.0.1:${ports[2]}/apis/ccompat/v7\nexport DATABASE_URL=postgres://spr:spr@127.0.0.1:${ports[4]}/spr\n`,
    );
    const pids = pidsFrom(first.stderr);
    expect(pids).toHaveLength(3);

    const second = await stack('up');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr.match(/already running/g)).toHaveLength(3);
    expect(pidsFrom(second.stderr)).toEqual(pids);

    const status = await stack('status');
    expect(status.code).toBe(0);
    expect(status.stderr.match(/ running /g)).toHaveLength(3);
    expect(status.stdout).toBe(first.stdout);
  });

  it.each(['stack:up', 'stack:status'])(
    'eval "$(npm run -s %s)" exports the endpoints to the commands the shell runs next',
    async (script) => {
      // A shell with none of the three variables: whatever the next command sees came from the eval.
      const shellEnv: NodeJS.ProcessEnv = { ...env, NODE: process.execPath };
      for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL']) delete shellEnv[name];
      const probe = `console.log(JSON.stringify([process.env.KAFKA_BROKERS, process.env.SCHEMA_REGISTRY_URL, process.env.DATABASE_URL]))`;
      const result = await sh(`eval "$(npm run -s ${script})" && "$NODE" -e '${probe}'`, shellEnv);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual([
        `127.0.0.1:${ports[0]}`,
        `http://127.0.0.1:${ports[2]}/apis/ccompat/v7`,
        `postgres://spr:spr@127.0.0.1:${ports[4]}/spr`,
      ]);
    },
  );

  it('down leaves no process and no listening port', async () => {
    const status = await stack('status');
    expect(status.code, status.stderr).toBe(0);
    const pids = pidsFrom(status.stderr);
    expect(pids).toHaveLength(3);

    const down = await stack('down');
    expect(down.code, down.stderr).toBe(0);
    for (const pid of pids) expect(alive(pid), `pid ${pid} still alive`).toBe(false);
    for (const port of ports) expect(await portIsFree(port), `port ${port} still bound`).toBe(true);
    expect((await stack('status')).code).toBe(3);
  });
});
