import { randomBytes } from 'node:crypto';

/**
 * A name no other scenario (in this run or an earlier one) uses, valid for topics, groups and databases:
 * lower-case letters, digits and underscores, at most 63 characters (PostgreSQL's identifier limit).
 */
export function uniqueChaosName(...parts: ReadonlyArray<string | number>): string {
  const clean = parts
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  return `${clean.slice(0, 63 - suffix.length - 1)}_${suffix}`;
}
