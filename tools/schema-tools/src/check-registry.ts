import { subjectName } from '@spr/contracts/avro';
import { canonicalSchema } from './canonical-schema.ts';
import type { DomainSchemas } from './load-schemas.ts';
import type { RegistryHttp } from './registry-http.ts';

export interface RegistryFindings {
  readonly problems: string[];
  readonly warnings: string[];
}

/**
 * Compares the registry with the local history, subject by subject: every registered version must be one of the
 * local versions (else it reached the registry without this gate), and the local latest version must be one the
 * registry accepts under the subject's level. A subject's level that differs from contract.json is a warning:
 * `schemas:register` sets it.
 */
export async function checkRegistry(
  domains: readonly DomainSchemas[],
  registry: RegistryHttp,
  options: { topic?: string; log: (line: string) => void },
): Promise<RegistryFindings> {
  const findings: RegistryFindings = { problems: [], warnings: [] };
  for (const domain of domains) {
    const topic = options.topic ?? domain.config.topic;
    for (const record of domain.records) {
      const subject = subjectName(topic, record.fullName);
      const registered = await registry.versions(subject);
      if (registered === undefined) {
        options.log(`  ${subject}: not registered yet`);
        continue;
      }
      const local = new Map(record.versions.map((v) => [v.canonical, v.version]));
      const matched = new Set<number>();
      for (const version of registered) {
        const { id, schema } = await registry.version(subject, version);
        const localVersion = local.get(canonicalSchema(JSON.parse(schema)));
        if (localVersion !== undefined) matched.add(localVersion);
        else {
          findings.problems.push(
            `${subject}: registry version ${version} (schema id ${id}) is none of ${record.label}/v1..v${record.versions.length}.avsc: ` +
              'it reached the registry without this gate (add it as a version file, or delete it from the registry)',
          );
        }
      }
      const latest = record.versions[record.versions.length - 1]!;
      if (!matched.has(latest.version) && (await registry.isCompatible(subject, latest.canonical)) === false) {
        findings.problems.push(
          `${subject}: the registry finds ${record.name} v${latest.version} incompatible with its registered versions`,
        );
      }
      const level = await registry.level(subject);
      if (level !== record.compatibility) {
        findings.warnings.push(
          `${subject}: the registry's level is ${level ?? 'unset'}, contract.json says ${record.compatibility} (npm run schemas:register sets it)`,
        );
      }
      options.log(
        `  ${subject}: registry versions ${registered.join(', ')} = local ${
          [...matched]
            .sort((a, b) => a - b)
            .map((v) => `v${v}`)
            .join(', ') || 'none'
        }`,
      );
    }
  }
  return findings;
}
