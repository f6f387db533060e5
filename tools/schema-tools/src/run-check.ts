import { relative } from 'node:path';
import { checkCompatibility } from './check-compatibility.ts';
import { checkFixtures } from './fixtures.ts';
import { generateContracts, generatedDrift } from './generate-contracts.ts';
import { loadSchemas, type DomainSchemas } from './load-schemas.ts';
import { checkRegistry } from './check-registry.ts';
import { createRegistryHttp } from './registry-http.ts';

export interface CheckOptions {
  readonly schemasDir: string;
  /** Also compare this directory with freshly generated code (the drift check). */
  readonly generatedDir?: string;
  /** Also check against this registry; `required`: fail when it does not answer, else warn and skip. */
  readonly registry?: { readonly url: string; readonly required: boolean };
  /** Topic whose subjects are compared with the registry; default: each domain's contract.json topic. */
  readonly topic?: string;
  readonly log?: (line: string) => void;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * The evolution gate: every schema valid and within the house rules, every version compatible with the earlier
 * ones under its record's level, every golden fixture intact and readable by the current version; optionally the
 * generated code in sync and the registry holding nothing the gate has not seen.
 */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const log = options.log ?? (() => undefined);
  const problems: string[] = [];
  const warnings: string[] = [];
  log(`checking ${relative(process.cwd(), options.schemasDir) || '.'}`);
  const loaded = loadSchemas(options.schemasDir);
  if (!loaded.ok) return { ok: false, problems: loaded.problems, warnings };

  problems.push(...checkDomains(loaded.domains, log));

  if (options.generatedDir) {
    const generated = generateContracts(loaded.domains);
    if (!generated.ok) problems.push(...generated.problems);
    else {
      const drift = generatedDrift(options.generatedDir, generated.files);
      const where = relative(process.cwd(), options.generatedDir);
      if (drift.length > 0)
        problems.push(`${where} is out of date with the schemas (run npm run codegen): ${drift.join(', ')}`);
      else log(`  ok   ${where} matches the schemas`);
    }
  }

  if (options.registry) {
    const registry = createRegistryHttp(options.registry.url);
    if (await registry.reachable()) {
      log(`registry ${registry.url}`);
      const findings = await checkRegistry(loaded.domains, registry, { topic: options.topic, log });
      problems.push(...findings.problems);
      warnings.push(...findings.warnings);
    } else if (options.registry.required) {
      problems.push(`registry ${registry.url} does not answer`);
    } else {
      warnings.push(`registry ${registry.url} does not answer: checked offline only`);
    }
  }
  return { ok: problems.length === 0, problems, warnings };
}

/** The offline part of the gate on loaded schemas: compatibility of every version and the golden fixtures. */
export function checkDomains(
  domains: readonly DomainSchemas[],
  log: (line: string) => void = () => undefined,
): string[] {
  const problems: string[] = [];
  for (const domain of domains) {
    for (const record of domain.records) {
      const violations = checkCompatibility(record.name, record.versions, record.compatibility).map(
        (v) => `${record.label}: ${v.message} (level ${record.compatibility})`,
      );
      const fixtureProblems = checkFixtures(record);
      problems.push(...violations, ...fixtureProblems);
      const verdict = violations.length + fixtureProblems.length === 0 ? 'ok  ' : 'FAIL';
      log(
        `  ${verdict} ${domain.domain}/${record.name} v1..v${record.versions.length} ${record.compatibility}, fixtures`,
      );
    }
  }
  return problems;
}
