import { formatEndpoints, stackDown, stackUp } from '@spr/stack';
import type { StartedTestStack } from './test-stack.ts';

export async function startLocalStack(): Promise<StartedTestStack> {
  const report = await stackUp({ log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  const startedHere = report.services.some((s) => s.state === 'started');
  const e = report.endpoints;
  const services = report.services.map((s) => `${s.name} ${s.version}`).join(', ');
  return {
    kafkaBrokers: e.KAFKA_BROKERS.split(','),
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    databaseUrl: e.DATABASE_URL,
    source: 'local-stack',
    description: `local stack: ${services}\n${formatEndpoints(e)}`,
    // Only a stack this call started is stopped again; one that was already running stays up.
    stop: async () => {
      if (startedHere) await stackDown();
    },
  };
}
