import { sprVitestConfig } from './src/vitest-config.ts';

export default sprVitestConfig({ integration: true });
