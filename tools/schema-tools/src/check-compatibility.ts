import type avro from 'avsc';
import type { CompatibilityLevel } from '@spr/contracts/avro';
import { explainIncompatibility, type Incompatibility } from './explain-incompatibility.ts';

export type CompatibilityRule = 'BACKWARD' | 'FORWARD';

/** A version that breaks its record's compatibility level. */
export interface CompatibilityViolation {
  readonly record: string;
  readonly version: number;
  readonly rule: CompatibilityRule;
  /** The earlier versions it breaks, ascending. */
  readonly against: readonly number[];
  /** What the version changes, e.g. `removes field 'amount' (no default)`. */
  readonly change: string;
  /** e.g. `PaymentCaptured v3 removes field 'amount' (no default): not forward compatible with v1, v2`. */
  readonly message: string;
}

const RULES: Record<CompatibilityLevel, readonly CompatibilityRule[]> = {
  NONE: [],
  BACKWARD: ['BACKWARD'],
  BACKWARD_TRANSITIVE: ['BACKWARD'],
  FORWARD: ['FORWARD'],
  FORWARD_TRANSITIVE: ['FORWARD'],
  FULL: ['BACKWARD', 'FORWARD'],
  FULL_TRANSITIVE: ['BACKWARD', 'FORWARD'],
};

/**
 * Checks every version of a record against the earlier ones under `level`. BACKWARD: the new version reads data of
 * the earlier ones; FORWARD: the earlier versions read data of the new one; FULL: both. A `_TRANSITIVE` level
 * checks against all earlier versions, the others against the previous one only.
 */
export function checkCompatibility(
  record: string,
  versions: readonly { readonly version: number; readonly type: avro.Type }[],
  level: CompatibilityLevel,
): CompatibilityViolation[] {
  const violations: CompatibilityViolation[] = [];
  const transitive = level.endsWith('_TRANSITIVE');
  versions.forEach((current, index) => {
    const earlier = transitive ? versions.slice(0, index) : versions.slice(Math.max(0, index - 1), index);
    for (const rule of RULES[level]) {
      const changes = new Map<string, number[]>();
      for (const old of earlier) {
        const incompatibility =
          rule === 'BACKWARD'
            ? explainIncompatibility(current.type, old.type)
            : explainIncompatibility(old.type, current.type);
        if (!incompatibility) continue;
        const change = describeChange(incompatibility, rule);
        changes.set(change, [...(changes.get(change) ?? []), old.version]);
      }
      for (const [change, against] of changes) {
        const list = against.map((v) => `v${v}`).join(', ');
        const message = `${record} v${current.version} ${change}: not ${rule.toLowerCase()} compatible with ${list}`;
        violations.push({ record, version: current.version, rule, against, change, message });
      }
    }
  });
  return violations;
}

/**
 * Phrases an incompatibility as what the new version did. BACKWARD: the new version is the reader, the old one
 * the writer; FORWARD: the other way round.
 */
function describeChange(incompatibility: Incompatibility, rule: CompatibilityRule): string {
  const backward = rule === 'BACKWARD';
  const at = incompatibility.path ? `field '${incompatibility.path}'` : 'the record';
  switch (incompatibility.kind) {
    case 'missing-field':
      return backward ? `adds ${at} without a default` : `removes ${at} (no default)`;
    case 'type-mismatch': {
      const [from, to] = backward
        ? [incompatibility.writer, incompatibility.reader]
        : [incompatibility.reader, incompatibility.writer];
      return `changes the type of ${at} from ${from} to ${to}`;
    }
    case 'missing-symbols': {
      const symbols = incompatibility.symbols.map((s) => `'${s}'`).join(', ');
      return backward
        ? `removes symbol ${symbols} from enum ${incompatibility.enumName} (${at}), which has no default`
        : `adds symbol ${symbols} to enum ${incompatibility.enumName} (${at}), which has no default for readers that do not know it`;
    }
    case 'name-mismatch': {
      const [from, to] = backward
        ? [incompatibility.writer, incompatibility.reader]
        : [incompatibility.reader, incompatibility.writer];
      return `renames ${at === 'the record' ? 'the record' : `the type of ${at}`} from ${from} to ${to} without an alias`;
    }
  }
}
