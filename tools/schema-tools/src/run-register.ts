import { subjectName } from '@spr/contracts/avro';
import { loadSchemas } from './load-schemas.ts';
import { createRegistryHttp } from './registry-http.ts';
import { checkDomains } from './run-check.ts';

export interface RegisterOptions {
  readonly schemasDir: string;
  readonly registryUrl: string;
  /** Register under this topic's subjects; default: each domain's contract.json topic. */
  readonly topic?: string;
  readonly log?: (line: string) => void;
}

export interface RegisterReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly registered: number;
  readonly alreadyRegistered: number;
}

/**
 * Registers every version of every record, in order, so the registry holds the same history as `schemas/`, after
 * setting each subject's compatibility level (the registry then enforces it too). Runs the offline gate first and
 * registers nothing when it fails. Idempotent: versions already registered are left as they are.
 */
export async function runRegister(options: RegisterOptions): Promise<RegisterReport> {
  const log = options.log ?? (() => undefined);
  const refused = (problems: readonly string[]): RegisterReport => ({
    ok: false,
    problems,
    registered: 0,
    alreadyRegistered: 0,
  });
  const loaded = loadSchemas(options.schemasDir);
  const gate = loaded.ok ? checkDomains(loaded.domains, log) : loaded.problems;
  if (!loaded.ok || gate.length > 0) return refused(['not registering: the schemas do not pass the check', ...gate]);

  const registry = createRegistryHttp(options.registryUrl);
  if (!(await registry.reachable())) return refused([`registry ${registry.url} does not answer`]);
  log(`registering in ${registry.url}`);
  const problems: string[] = [];
  let registered = 0;
  let alreadyRegistered = 0;
  for (const domain of loaded.domains) {
    const topic = options.topic ?? domain.config.topic;
    for (const record of domain.records) {
      const subject = subjectName(topic, record.fullName);
      const level = await registry.level(subject);
      if (level !== record.compatibility) {
        await registry.setLevel(subject, record.compatibility);
        log(`  ${subject}: level ${record.compatibility} (was ${level ?? 'unset'})`);
      }
      for (const version of record.versions) {
        const existing = await registry.lookup(subject, version.canonical);
        if (existing) {
          alreadyRegistered++;
          log(
            `  ${subject}: v${version.version} already registered (subject version ${existing.version}, schema id ${existing.id})`,
          );
          continue;
        }
        const result = await registry.register(subject, version.canonical);
        if (!result.ok) {
          problems.push(`${subject}: the registry refused v${version.version}: ${result.error}`);
          break; // later versions build on this one
        }
        registered++;
        log(`  ${subject}: v${version.version} registered (schema id ${result.id})`);
      }
    }
  }
  return { ok: problems.length === 0, problems, registered, alreadyRegistered };
}
