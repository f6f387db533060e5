import { inject } from 'vitest';
import type { TestStack } from './test-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    sprStack: Omit<TestStack, 'stop'>;
  }
}

/** The stack resolved by the global setup (see vitest-config.ts), inside a test file. */
export function testStack(): Omit<TestStack, 'stop'> {
  const stack = inject('sprStack');
  if (!stack)
    throw new Error('no stack: the project must use sprVitestConfig({ integration: true }) from @spr/testing/vitest');
  return stack;
}
