// One lint config for the workspace. Module boundaries follow docs/conventions.md: apps use libs; libs use libs,
// contracts and pure domain code; pure domain code does no I/O; the testing library is for specs only.
import nx from '@nx/eslint-plugin';

const IO_PACKAGES = [
  'kafkajs',
  'pg',
  'drizzle-orm',
  'drizzle-orm/*',
  '@kafkajs/*',
  'node:net',
  'node:http',
  'node:fs',
  'node:child_process',
];

const constraints = (forSpecs) => [
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:lib',
      'type:contracts',
      'type:domain',
      ...(forSpecs ? ['type:testing', 'type:tool'] : []),
    ],
  },
  {
    sourceTag: 'type:lib',
    onlyDependOnLibsWithTags: [
      'type:lib',
      'type:contracts',
      'type:domain',
      ...(forSpecs ? ['type:testing', 'type:tool'] : []),
    ],
  },
  {
    sourceTag: 'type:contracts',
    onlyDependOnLibsWithTags: ['type:domain', ...(forSpecs ? ['type:testing', 'type:tool'] : [])],
  },
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', ...(forSpecs ? ['type:testing'] : [])],
    bannedExternalImports: forSpecs ? [] : IO_PACKAGES,
  },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:tool', 'type:lib', 'type:contracts', 'type:domain'] },
  {
    sourceTag: 'type:tool',
    onlyDependOnLibsWithTags: [
      'type:tool',
      'type:lib',
      'type:contracts',
      'type:domain',
      ...(forSpecs ? ['type:testing'] : []),
    ],
  },
];

const SPEC_FILES = ['**/*.spec.ts', '**/vitest.config.ts', '**/test-support/**/*.ts'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.spr', '**/generated/**/*.js'] },
  {
    files: ['**/*.ts', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, depConstraints: constraints(false) },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      // With noUncheckedIndexedAccess, `!` marks an index the code has just checked; banning it adds noise.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: SPEC_FILES,
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, depConstraints: constraints(true) },
      ],
    },
  },
];
