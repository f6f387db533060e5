/** The registry's compatibility levels (Confluent names), from none to the strictest. */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** New readers read all old data and old readers read all new data, across every published version. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'FULL_TRANSITIVE';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return (COMPATIBILITY_LEVELS as readonly unknown[]).includes(value);
}
