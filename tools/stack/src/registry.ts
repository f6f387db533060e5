import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from './config.ts';
import { endpoints } from './config.ts';
import { StackError } from './errors.ts';
import { findJava } from './java.ts';
import { ensureMavenArtifacts } from './maven.ts';
import { spawnDetached, stopProcess, tail, waitUntil } from './processes.ts';
import type { ServiceDriver, StackContext } from './service.ts';
import { APICURIO_VERSION, REGISTRY_MIN_JAVA } from './versions.ts';

const dirs = (config: StackConfig) => {
  const root = join(config.stateDir, 'registry');
  return { root, app: join(root, `apicurio-${APICURIO_VERSION}`), log: join(root, 'registry.log') };
};

async function subjectsAnswer(config: StackConfig): Promise<boolean> {
  try {
    const response = await fetch(`${endpoints(config).SCHEMA_REGISTRY_URL}/subjects`, {
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** Apicurio Registry (in-memory storage) serving the Confluent-compatible API. */
export const registryDriver: ServiceDriver = {
  name: 'registry',
  version: APICURIO_VERSION,
  ports: (config) => [
    { port: config.registryPort, envName: 'SPR_REGISTRY_PORT' },
    { port: config.registryManagementPort, envName: 'SPR_REGISTRY_MANAGEMENT_PORT' },
  ],
  logFile: (config) => dirs(config).log,

  async prepare(ctx: StackContext) {
    const d = dirs(ctx.config);
    findJava('Apicurio Registry', REGISTRY_MIN_JAVA, 'SPR_REGISTRY_JAVA_HOME');
    mkdirSync(d.root, { recursive: true });
    ensureMavenArtifacts({
      what: `Apicurio Registry ${APICURIO_VERSION}`,
      pom: join(import.meta.dirname, '..', 'maven', 'registry', 'pom.xml'),
      goal: 'dependency:unpack-dependencies',
      properties: { 'apicurio.version': APICURIO_VERSION },
      target: d.app,
      log: ctx.log,
    });
  },

  async start(ctx: StackContext) {
    const d = dirs(ctx.config);
    const { config } = ctx;
    const { java } = findJava('Apicurio Registry', REGISTRY_MIN_JAVA, 'SPR_REGISTRY_JAVA_HOME');
    if (existsSync(d.log)) renameSync(d.log, `${d.log}.1`);
    const jar = join(d.app, 'quarkus-run.jar');
    const child = spawnDetached(
      java,
      [
        `-Xmx${config.registryHeap}`,
        '-Djava.awt.headless=true',
        `-Dquarkus.http.host=${config.host}`,
        `-Dquarkus.http.port=${config.registryPort}`,
        `-Dquarkus.management.host=${config.host}`,
        `-Dquarkus.management.port=${config.registryManagementPort}`,
        // Tests delete their subjects; Apicurio refuses deletes unless enabled.
        '-Dapicurio.rest.deletion.artifact.enabled=true',
        '-Dapicurio.rest.deletion.artifact-version.enabled=true',
        '-Dapicurio.rest.deletion.group.enabled=true',
        '-jar',
        jar,
      ],
      { cwd: d.root, logFile: d.log },
    );
    let died: string | undefined;
    void child.exited.then((how) => (died = how));
    const ready = await waitUntil(
      async () => died !== undefined || (await subjectsAnswer(config)),
      config.readyTimeoutMs,
      200,
    );
    if (died !== undefined) {
      throw new StackError(
        'SERVICE_DIED',
        `Apicurio Registry died while starting (${died}). Last lines of ${d.log}:\n${tail(d.log)}`,
      );
    }
    if (!ready) {
      await stopProcess(child.pid, jar);
      throw new StackError(
        'NOT_READY',
        `Apicurio Registry did not answer GET /subjects within ${config.readyTimeoutMs / 1000}s. Last lines of ${d.log}:\n${tail(d.log)}`,
      );
    }
    return { pid: child.pid, marker: jar };
  },

  async isReady(ctx) {
    return subjectsAnswer(ctx.config);
  },

  async stop(_ctx, record) {
    return stopProcess(record.pid, record.marker);
  },
};
