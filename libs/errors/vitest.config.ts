import { defineConfig } from 'vitest/config';

// Not @spr/testing's shared config: that package depends on @spr/stack, which depends on this one.
export default defineConfig({
  test: { include: ['src/**/*.spec.ts'], environment: 'node', pool: 'forks' },
});
