import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = Level;

/** Every level, most severe first: what LOG_LEVEL accepts in every app. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

export interface LoggerOptions {
  /** The service name on every line. */
  readonly service: string;
  readonly level?: LogLevel;
  /** Where lines go; default stdout, written synchronously (a line logged just before a crash is not lost). */
  readonly destination?: DestinationStream;
}

/** Fields that may carry secrets are replaced wherever they appear in a log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'sasl.password',
  '*.sasl.password',
  'databaseUrl',
  '*.databaseUrl',
];

/**
 * Structured JSON logs, one object per line: time, level name, service, message and context. bigints are
 * written as strings (JSON has no bigint).
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++)
            if (typeof args[i] === 'object' && args[i] !== null) args[i] = jsonSafe(args[i]);
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    const safe = jsonSafe(inner);
    if (safe !== inner) (copy ??= { ...(value as Record<string, unknown>) })[key] = safe;
  }
  return copy ?? value;
}

/** A logger that drops everything (tests, tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
