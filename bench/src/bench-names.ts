import { randomBytes } from 'node:crypto';

/** A name no earlier run used: valid for topics, consumer groups and PostgreSQL schemas (lower case, digits, _). */
export function benchName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `bench_${clean}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
