import { sprVitestConfig } from '@spr/testing/vitest';

// The specs of this project cover its pure parts (generator, report); the benchmark itself is a program.
export default sprVitestConfig();
