import { defineConfig } from 'vitest/config';

// The stack's own tests start a second stack of their own (stack-cli.int.spec.ts), so they do not use the shared
// test stack of @spr/testing (which depends on this package).
export default defineConfig({
  test: { include: ['src/**/*.spec.ts'], testTimeout: 180_000, hookTimeout: 180_000, pool: 'forks' },
});
