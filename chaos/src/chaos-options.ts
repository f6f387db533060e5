import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { ChaosError } from './chaos-error.ts';

export interface ChaosOptions {
  /** Base seed: run i uses a seed derived from it (the first run uses it as is). */
  readonly seed: number;
  readonly runs: number;
  /** Scenario names (a trailing `*` matches a prefix); empty: all of them. */
  readonly scenarios: readonly string[];
  /** Smaller loads and shorter stalls. */
  readonly quick: boolean;
  /** `own`: start an isolated stack (default); `env`: the services in KAFKA_BROKERS etc. (no service faults). */
  readonly stack: 'own' | 'env';
  /** Results file, relative to the workspace root. */
  readonly out: string;
  /** Document whose results section is regenerated; undefined: none. */
  readonly docs: string | undefined;
  readonly build: boolean;
  readonly list: boolean;
  readonly help: boolean;
}

export const USAGE = `usage: npm run chaos -- [options]
  --seed <n>           base seed (default: random, printed); run i uses a seed derived from it
  --runs <n>           how many runs of the selected scenarios (default 1)
  --scenarios <a,b>    only these scenarios (a trailing * matches a prefix, e.g. sigkill-*)
  --quick              smaller loads and shorter stalls
  --stack own|env      own: start an isolated stack (default); env: use KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
                       DATABASE_URL (scenarios that break a service are then refused)
  --out <file>         results file (default chaos/results/latest.json)
  --docs <file>        document whose results section is regenerated (default docs/reliability.md)
  --no-docs            do not touch the document
  --no-build           do not rebuild the consumer bundle first
  --list               list the scenarios and exit`;

const OPTIONS = {
  seed: { type: 'string' },
  runs: { type: 'string' },
  scenarios: { type: 'string' },
  quick: { type: 'boolean' },
  stack: { type: 'string' },
  out: { type: 'string' },
  docs: { type: 'string' },
  'no-docs': { type: 'boolean' },
  'no-build': { type: 'boolean' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

function integer(flag: string, raw: string | undefined, min: number): number {
  const value = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new ChaosError('BAD_ARGUMENTS', `${flag} needs an integer >= ${min}, got ${raw || 'nothing'}`);
  }
  return value;
}

/**
 * `parseArgs` splits the command line (`--flag value`, `--flag=value`, `-h`); its tokens are read in order, so a
 * later flag wins (`--docs x --no-docs`), and every message names the flag. Not strict, so that an unknown
 * argument gets the usage.
 */
export function parseChaosOptions(
  argv: readonly string[],
  randomSeed: () => number = () => Math.floor(Math.random() * 2 ** 31),
): ChaosOptions {
  let seed: number | undefined;
  let runs = 1;
  let scenarios: string[] = [];
  let quick = false;
  let stack: 'own' | 'env' = 'own';
  let out = 'chaos/results/latest.json';
  let docs: string | undefined = 'docs/reliability.md';
  let build = true;
  let list = false;
  let help = false;
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    const known = token.kind === 'option' && Object.hasOwn(OPTIONS, token.name);
    if (!known) throw new ChaosError('BAD_ARGUMENTS', `unknown argument ${argv[token.index]}\n${USAGE}`);
    const { name, value } = token;
    if (OPTIONS[name as keyof typeof OPTIONS].type === 'boolean' && value !== undefined)
      throw new ChaosError('BAD_ARGUMENTS', `${token.rawName} takes no value, got ${value}`);
    switch (name as keyof typeof OPTIONS) {
      case 'seed':
        seed = integer('--seed', value, 0);
        break;
      case 'runs':
        runs = integer('--runs', value, 1);
        break;
      case 'scenarios':
        if (!value) throw new ChaosError('BAD_ARGUMENTS', '--scenarios needs a comma-separated list of names');
        scenarios = value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case 'quick':
        quick = true;
        break;
      case 'stack':
        if (value !== 'own' && value !== 'env')
          throw new ChaosError('BAD_ARGUMENTS', `--stack must be own or env, got ${value || 'nothing'}`);
        stack = value;
        break;
      case 'out':
        if (!value) throw new ChaosError('BAD_ARGUMENTS', '--out needs a file name');
        out = value;
        break;
      case 'docs':
        if (!value) throw new ChaosError('BAD_ARGUMENTS', '--docs needs a file name');
        docs = value;
        break;
      case 'no-docs':
        docs = undefined;
        break;
      case 'no-build':
        build = false;
        break;
      case 'list':
        list = true;
        break;
      case 'help':
        help = true;
        break;
    }
  }
  return Object.freeze({ seed: seed ?? randomSeed(), runs, scenarios, quick, stack, out, docs, build, list, help });
}

/** The scenarios `patterns` name, in catalogue order; an unknown name is an error that lists the known ones. */
export function selectScenarios<T extends { readonly name: string }>(
  catalogue: readonly T[],
  patterns: readonly string[],
): T[] {
  if (patterns.length === 0) return [...catalogue];
  const matches = (name: string, pattern: string) =>
    pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
  for (const pattern of patterns) {
    if (!catalogue.some((s) => matches(s.name, pattern))) {
      throw new ChaosError(
        'UNKNOWN_SCENARIO',
        `no scenario matches '${pattern}'; known: ${catalogue.map((s) => s.name).join(', ')}`,
      );
    }
  }
  return catalogue.filter((s) => patterns.some((p) => matches(s.name, p)));
}
