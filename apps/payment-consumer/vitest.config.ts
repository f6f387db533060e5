import { sprVitestConfig } from '@spr/testing/vitest';

// Process-level guarantees run the deployable bundle (dist/main.mjs), built once per test run.
export default sprVitestConfig({
  integration: true,
  globalSetup: [new URL('./src/test-support/build-bundle.ts', import.meta.url).pathname],
});
