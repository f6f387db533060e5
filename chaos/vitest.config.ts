import { sprVitestConfig } from '@spr/testing/vitest';

export default sprVitestConfig({
  integration: true,
  globalSetup: [new URL('./src/test-support/build-consumer-bundle.ts', import.meta.url).pathname],
});
