#!/usr/bin/env node
/**
 * `schema-tools <codegen|check|register|fixtures>`: the contract workflow (schemas/README.md). Progress and
 * findings go to stdout, problems to stderr. Exit codes: 0 ok, 1 problems found (incompatible, invalid, refused),
 * 2 usage.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { endpoints, stackConfig } from '@spr/stack';
import { SchemaToolError } from './errors.ts';
import { writeMissingFixtures } from './fixtures.ts';
import { generateContracts, writeGenerated } from './generate-contracts.ts';
import { loadSchemas } from './load-schemas.ts';
import { DEFAULT_GENERATED_DIR, DEFAULT_SCHEMAS_DIR } from './paths.ts';
import { runCheck } from './run-check.ts';
import { runRegister } from './run-register.ts';

const USAGE = `usage: schema-tools <command> [options]
  codegen   [--schemas <dir>] [--out <dir>]          generate libs/contracts/src/generated from the schemas
  check     [--schemas <dir>] [--generated <dir>] [--registry <url>] [--topic <name>]
            the evolution gate; also against the registry given or in SCHEMA_REGISTRY_URL, when it answers
  register  [--schemas <dir>] [--registry <url>] [--topic <name>]
            register every version in order and set each subject's level, in the registry given, else the one
            in SCHEMA_REGISTRY_URL, else the local stack's (npm run stack:up)
  fixtures  [--schemas <dir>]                         write the missing golden .avro fixtures
`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const fail = (problems: readonly string[]) => {
  for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
  return 1;
};

function usage(problem: string): never {
  throw new SchemaToolError('USAGE', `${problem}\n${USAGE}`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        schemas: { type: 'string' },
        out: { type: 'string' },
        generated: { type: 'string' },
        registry: { type: 'string' },
        topic: { type: 'string' },
      },
    }));
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const option = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const schemasOption = option('schemas');
  const schemasDir = resolve(schemasOption ?? DEFAULT_SCHEMAS_DIR);
  const registryUrl = option('registry') ?? (process.env.SCHEMA_REGISTRY_URL || undefined);

  switch (command) {
    case 'codegen': {
      const loaded = loadSchemas(schemasDir);
      if (!loaded.ok) return fail(loaded.problems);
      const generated = generateContracts(loaded.domains);
      if (!generated.ok) return fail(generated.problems);
      const outDir = resolve(option('out') ?? DEFAULT_GENERATED_DIR);
      writeGenerated(outDir, generated.files);
      out(`codegen: wrote ${generated.files.map((f) => f.path).join(', ')} to ${outDir}`);
      return 0;
    }
    case 'check': {
      // The repo's own generated code is compared with its own schemas; a schemas copy elsewhere only on request.
      const generatedDir = option('generated') ?? (schemasOption === undefined ? DEFAULT_GENERATED_DIR : undefined);
      const report = await runCheck({
        schemasDir,
        generatedDir: generatedDir && resolve(generatedDir),
        registry: registryUrl ? { url: registryUrl, required: option('registry') !== undefined } : undefined,
        topic: option('topic'),
        log: out,
      });
      for (const warning of report.warnings) out(`warning: ${warning}`);
      if (!report.ok) return fail(report.problems);
      out('check: all schemas pass');
      return 0;
    }
    case 'register': {
      const url = registryUrl ?? endpoints(stackConfig()).SCHEMA_REGISTRY_URL;
      if (!registryUrl) out(`registry: the local stack's, ${url} (--registry or SCHEMA_REGISTRY_URL for another)`);
      const report = await runRegister({ schemasDir, registryUrl: url, topic: option('topic'), log: out });
      if (!report.ok) return fail(report.problems);
      out(`register: ${report.registered} registered, ${report.alreadyRegistered} already registered`);
      return 0;
    }
    case 'fixtures': {
      const loaded = loadSchemas(schemasDir);
      if (!loaded.ok) return fail(loaded.problems);
      const problems = loaded.domains.flatMap((d) => d.records.flatMap((r) => writeMissingFixtures(r, out)));
      if (problems.length > 0) return fail(problems);
      out('fixtures: every version has its golden bytes');
      return 0;
    }
    default:
      usage(command === undefined ? 'no command' : `unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof SchemaToolError) {
      process.stderr.write(error.code === 'USAGE' ? error.message : `error [${error.code}]: ${error.message}\n`);
      process.exit(error.code === 'USAGE' ? 2 : 1);
    }
    process.stderr.write(
      `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
