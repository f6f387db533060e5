import { randomBytes } from 'node:crypto';

/**
 * A name no other test (in this run or an earlier one against the same stack) uses: prefix, time, randomness.
 * Only lower-case letters, digits and underscores, so it is valid for topics, groups, subjects and SQL schemas.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${clean}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
