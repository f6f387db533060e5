import { sprVitestConfig } from '@spr/testing/vitest';

export default sprVitestConfig();
