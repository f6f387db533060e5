import { defineConfig } from 'vitest/config';

export interface SprVitestOptions {
  /** Whether any spec of the project talks to the real stack (`*.int.spec.ts`). */
  readonly integration?: boolean;
  /** More global setup files of the project (absolute paths), run after the stack is resolved. */
  readonly globalSetup?: readonly string[];
}

/**
 * The shared Vitest settings: unit specs (`*.spec.ts`) and integration specs (`*.int.spec.ts`) beside the code,
 * generous timeouts for real services (tests wait on conditions, never on time), and the stack resolved once.
 */
export function sprVitestConfig(options: SprVitestOptions = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      environment: 'node',
      testTimeout: options.integration ? 180_000 : 10_000,
      hookTimeout: options.integration ? 180_000 : 10_000,
      globalSetup: [
        ...(options.integration ? [new URL('./global-setup.ts', import.meta.url).pathname] : []),
        ...(options.globalSetup ?? []),
      ],
      pool: 'forks',
      // Memory-bound tests call gc() before measuring the heap.
      execArgv: ['--expose-gc'],
      // Tests that write raw messages choose their partitions; kafkajs's notice about its v2 default is noise.
      env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      reporters: ['default'],
    },
  });
}
