/** A setting that is missing or malformed; the message names the variable, the value and the rule. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  readonly retriable = false;

  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface EnvReader {
  string(name: string, fallback?: string): string;
  optionalString(name: string): string | undefined;
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number;
  bool(name: string, fallback: boolean): boolean;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  url(name: string, fallback?: string): string;
}

/**
 * Typed access to environment variables for an app's edge (docs/conventions.md: config is parsed once, at the
 * edge, into a frozen object). Every accessor fails with a ConfigError naming the variable.
 */
export function envReader(env: NodeJS.ProcessEnv): EnvReader {
  const raw = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const reader: EnvReader = {
    string(name, fallback) {
      const value = raw(name) ?? fallback;
      if (value === undefined) throw new ConfigError(`${name} is not set`);
      return value;
    },
    optionalString: (name) => raw(name),
    int(name, fallback, range = {}) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new ConfigError(`${name}=${value} must be an integer from ${min} to ${max}`);
      }
      return n;
    },
    bool(name, fallback) {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new ConfigError(`${name}=${env[name]} must be true or false`);
    },
    oneOf(name, allowed, fallback) {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!allowed.includes(value as never)) throw new ConfigError(`${name}=${value} must be one of ${allowed.join(', ')}`);
      return value as (typeof allowed)[number];
    },
    url(name, fallback) {
      const value = reader.string(name, fallback);
      try {
        new URL(value);
      } catch {
        throw new ConfigError(`${name} is not a URL`);
      }
      return value;
    },
  };
  return reader;
}
