import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` (run in libs/ledger-db) writes the next migration from the models in src/schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
});
