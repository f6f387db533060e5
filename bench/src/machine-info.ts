import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { APICURIO_VERSION, KAFKA_VERSION } from '@spr/stack';
import { withClient } from './arm-schema.ts';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly kernel: string;
  readonly node: string;
  readonly kafkajs: string;
  readonly pg: string;
  readonly kafka: string;
  readonly registry: string;
  readonly postgres: string;
  readonly gitCommit: string;
  /** Uncommitted changes in the working tree when the run started. */
  readonly gitDirty: boolean;
  /** 1-minute load average when the run started and when it ended (the machine may be shared). */
  readonly loadAverageStart: number;
  loadAverageEnd?: number;
}

function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export async function machineInfo(workspaceRoot: string, databaseUrl: string): Promise<MachineInfo> {
  const postgres = await withClient(
    databaseUrl,
    async (c) => (await c.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]!.v,
  ).catch(() => 'unknown');
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    kafkajs: packageVersion(workspaceRoot, 'kafkajs'),
    pg: packageVersion(workspaceRoot, 'pg'),
    kafka: KAFKA_VERSION,
    registry: `Apicurio Registry ${APICURIO_VERSION}`,
    postgres,
    gitCommit: git(workspaceRoot, ['rev-parse', 'HEAD']) || 'unknown',
    gitDirty: git(workspaceRoot, ['status', '--porcelain']).length > 0,
    loadAverageStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}
