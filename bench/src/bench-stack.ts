import { stackUp, type ServiceStatus } from '@spr/stack';

/** The services a run measures against, and the pids whose CPU it accounts for. */
export interface BenchStack {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  /** Kafka and the schema registry (the JVMs). */
  readonly javaPids: readonly number[];
  /** The postmaster; its children (backends, walwriter, checkpointer…) are found at each sample. */
  readonly postgresPid: number | undefined;
  readonly services: ReadonlyArray<Pick<ServiceStatus, 'name' | 'version' | 'state' | 'pid'>>;
}

/**
 * The project's local stack (tools/stack): started if it is not running (like `npm run stack:up`), never stopped
 * here, since other work shares it. Everything listens on 127.0.0.1.
 */
export async function resolveBenchStack(log: (line: string) => void): Promise<BenchStack> {
  const report = await stackUp({ log: (line) => log(`[stack] ${line}`) });
  const pid = (name: ServiceStatus['name']) => report.services.find((s) => s.name === name)?.pid;
  const javaPids = [pid('kafka'), pid('registry')].filter((p): p is number => p !== undefined);
  return {
    kafkaBrokers: report.endpoints.KAFKA_BROKERS.split(','),
    schemaRegistryUrl: report.endpoints.SCHEMA_REGISTRY_URL,
    databaseUrl: report.endpoints.DATABASE_URL,
    javaPids,
    postgresPid: pid('postgres'),
    services: report.services.map((s) => ({ name: s.name, version: s.version, state: s.state, pid: s.pid })),
  };
}
