import { CodedError } from '@spr/errors';

/**
 * Settings that are missing or malformed. `context.problems` lists every one (one line each, naming the variable
 * and the rule); the message is that list. Values of URLs and secrets never appear in it.
 */
export class ConfigError extends CodedError<'INVALID_CONFIG'> {
  constructor(problems: readonly string[]) {
    const message =
      problems.length === 1 ? problems[0]! : `${problems.length} settings are invalid:\n  - ${problems.join('\n  - ')}`;
    super('INVALID_CONFIG', message, { context: { problems: [...problems] } });
  }

  get problems(): readonly string[] {
    return this.context.problems as readonly string[];
  }
}

export interface IntRange {
  readonly min?: number;
  readonly max?: number;
}

export interface UrlRule {
  /** Accepted schemes with their colon, e.g. `['postgres:', 'postgresql:']`; any when absent. */
  readonly protocols?: readonly string[];
  /** Shown when the variable is not set, e.g. `postgres://user:password@host:5432/db`. */
  readonly example?: string;
}

/**
 * Typed access to environment variables, with the same rules in every app (the apps' READMEs state them):
 * - unset, empty and blank values take the default; a required one without a value is a problem;
 * - integers are decimal digits with an optional `-` and nothing else (`1e3`, `0x10`, `1.0`, ` 12 ` are refused),
 *   within the given bounds;
 * - booleans are `true`/`false` or `1`/`0`, in any case;
 * - enumerations match in any case and give the allowed spelling;
 * - URLs must parse (and have an allowed scheme); their value is never repeated in a message, nor a secret's.
 * Other strings are trimmed.
 */
export interface EnvReader {
  string(name: string, fallback?: string): string;
  optionalString(name: string): string | undefined;
  /** A value that must not appear in messages or logs (a password); undefined when unset. */
  secret(name: string): string | undefined;
  int(name: string, fallback: number, range?: IntRange): number;
  bool(name: string, fallback: boolean): boolean;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  url(name: string, fallback?: string, rule?: UrlRule): string;
  /** Records a problem found by a rule of the caller's own (a list format, a file that cannot be read). */
  problem(message: string): void;
}

/** DATABASE_URL in every app. */
export const POSTGRES_URL: UrlRule = Object.freeze({
  protocols: ['postgres:', 'postgresql:'],
  example: 'postgres://user:password@host:5432/db',
});

/** A reader that throws a ConfigError at the first problem: for scripts that read a setting or two. */
export function envReader(env: NodeJS.ProcessEnv): EnvReader {
  return createReader(env, (problem) => {
    throw new ConfigError([problem]);
  });
}

/**
 * Reads a whole configuration: every accessor records its problem and returns its default (or an empty value), so
 * `read` runs to the end, and one ConfigError names every bad variable at once.
 */
export function readEnv<T>(env: NodeJS.ProcessEnv, read: (e: EnvReader) => T): T {
  const problems: string[] = [];
  const value = read(createReader(env, (problem) => problems.push(problem)));
  if (problems.length > 0) throw new ConfigError(problems);
  return value;
}

const INTEGER = /^-?\d+$/;
const TRUE = new Set(['true', '1']);
const FALSE = new Set(['false', '0']);

function createReader(env: NodeJS.ProcessEnv, report: (problem: string) => void): EnvReader {
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  const trimmed = (name: string) => (isSet(name) ? env[name]!.trim() : undefined);
  const reader: EnvReader = {
    string(name, fallback) {
      const value = trimmed(name) ?? fallback;
      if (value !== undefined) return value;
      report(`${name} is not set`);
      return '';
    },
    optionalString: (name) => trimmed(name),
    secret: (name) => trimmed(name),
    int(name, fallback, range = {}) {
      if (!isSet(name)) return fallback;
      const raw = env[name]!;
      const value = Number(raw);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (INTEGER.test(raw) && Number.isSafeInteger(value) && value >= min && value <= max) return value;
      report(`${name}=${raw} must be ${describeRange(min, max)}`);
      return fallback;
    },
    bool(name, fallback) {
      const value = trimmed(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (TRUE.has(value)) return true;
      if (FALSE.has(value)) return false;
      report(`${name}=${env[name]} must be true or false`);
      return fallback;
    },
    oneOf(name, allowed, fallback) {
      const value = trimmed(name)?.toLowerCase();
      if (value === undefined) return fallback;
      const match = allowed.find((a) => a.toLowerCase() === value);
      if (match !== undefined) return match;
      report(`${name}=${env[name]} must be one of ${allowed.join(', ')}`);
      return fallback;
    },
    url(name, fallback, rule = {}) {
      const value = trimmed(name) ?? fallback;
      if (value === undefined) {
        report(`${name} is not set${rule.example ? ` (e.g. ${rule.example})` : ''}`);
        return '';
      }
      const schemes = rule.protocols?.map((p) => `${p}//`).join(' or ');
      const what = schemes ? `${schemes.startsWith('http') ? 'an' : 'a'} ${schemes} URL` : 'a URL';
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        // reported below, without the value (it may hold a password)
      }
      if (!url || (rule.protocols && !rule.protocols.includes(url.protocol))) {
        report(`${name} is not ${what}`);
        return '';
      }
      return value;
    },
    problem: report,
  };
  return reader;
}

function describeRange(min: number, max: number): string {
  if (min > Number.MIN_SAFE_INTEGER && max < Number.MAX_SAFE_INTEGER) return `an integer from ${min} to ${max}`;
  if (min > Number.MIN_SAFE_INTEGER) return `an integer >= ${min}`;
  if (max < Number.MAX_SAFE_INTEGER) return `an integer <= ${max}`;
  return 'an integer';
}

/** The URL with its password replaced, for logs (unparseable: a placeholder, never the raw value). */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '[unparseable]';
  }
}
