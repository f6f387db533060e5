import { existsSync } from 'node:fs';

/** Where the real services of a test run come from. */
export interface TestStack {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  readonly source: 'env' | 'testcontainers' | 'local-stack';
  /** What runs, for the test log (e.g. `Kafka 4.1.2, Apicurio Registry 3.3.3, PostgreSQL 15`). */
  readonly description: string;
}

export interface StartedTestStack extends TestStack {
  /** Stops what this call started; a no-op for a stack it found running or got from the environment. */
  stop(): Promise<void>;
}

export const STACK_ENV = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'] as const;

/**
 * Resolves the stack for a test run: the three endpoint variables when all are set; else, where a Docker
 * engine answers, the same versions started with testcontainers; else the project's local stack (tools/stack),
 * started if it is not running.
 */
export async function startTestStack(env: NodeJS.ProcessEnv = process.env): Promise<StartedTestStack> {
  const given = STACK_ENV.filter((name) => env[name]);
  if (given.length === STACK_ENV.length) {
    return {
      kafkaBrokers: env.KAFKA_BROKERS!.split(','),
      schemaRegistryUrl: env.SCHEMA_REGISTRY_URL!,
      databaseUrl: env.DATABASE_URL!,
      source: 'env',
      description:
        `services from KAFKA_BROKERS=${env.KAFKA_BROKERS}, ` +
        `SCHEMA_REGISTRY_URL=${env.SCHEMA_REGISTRY_URL}, DATABASE_URL (set)`,
      stop: async () => undefined,
    };
  }
  if (given.length > 0) {
    const missing = STACK_ENV.filter((name) => !env[name]);
    throw new Error(`set all of ${STACK_ENV.join(', ')} or none of them; missing: ${missing.join(', ')}`);
  }
  if (await dockerAnswers()) {
    const { startContainerStack } = await import('./container-stack.ts');
    return startContainerStack();
  }
  const { startLocalStack } = await import('./local-stack.ts');
  return startLocalStack();
}

async function dockerAnswers(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}
