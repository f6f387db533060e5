import { ConfigError, type EnvReader } from './env-reader.ts';

/** How every app's process ends (documented in each app's README). */
export const EXIT_CODES = Object.freeze({
  /** Stopped by SIGTERM/SIGINT and the graceful stop finished in time, or a job finished. */
  clean: 0,
  /** A start or a run failed, a graceful stop failed or passed its deadline, or a second signal cut it short. */
  fatal: 1,
  /** The configuration (environment or arguments) is missing or malformed: nothing was started. */
  badConfig: 2,
});

export const SHUTDOWN_TIMEOUT_MS = Object.freeze({ default: 30_000, min: 100, max: 10 * 60_000 });

/** SHUTDOWN_TIMEOUT_MS, the deadline of a graceful stop; the same variable and default in every app. */
export function shutdownTimeoutMsFromEnv(e: EnvReader): number {
  return e.int('SHUTDOWN_TIMEOUT_MS', SHUTDOWN_TIMEOUT_MS.default, SHUTDOWN_TIMEOUT_MS);
}

/** The part of a logger the lifecycle uses (a pino logger fits). */
export interface ServiceLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
  fatal(fields: object, message: string): void;
}

export interface ServiceContext {
  /** Aborted when the graceful stop begins (a signal, a fatal error, the job's end): loops end, sleeps return. */
  readonly stopping: AbortSignal;
  /** Once the configuration is read: the logger to use from now on, and the deadline of a graceful stop. */
  configure(settings: { readonly logger?: ServiceLogger; readonly shutdownTimeoutMs?: number }): void;
  /**
   * Adds a step of the graceful stop. Steps run last-added first, after start has settled, also after a failed
   * start (so register each before starting what it stops).
   */
  onStop(step: () => Promise<unknown> | void): void;
  /** A fatal error while running: logged, then the graceful stop, then exit 1. */
  fail(error: unknown, message: string): void;
}

/** What runService needs of `process`; the specs pass a fake. */
export interface ServiceProcess {
  on(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  readonly stderr: { write(text: string): unknown };
}

export interface RunServiceOptions {
  /** The service's name, in messages. */
  readonly name: string;
  /** Logs until configure() gives the configured logger. */
  readonly logger: ServiceLogger;
  readonly process?: ServiceProcess;
}

/**
 * Runs an app's `main` as a process with one lifecycle for every app:
 * - SIGTERM/SIGINT begin a graceful stop (the stop steps, last-added first; a signal during start waits for the
 *   start to settle), exit 0; a second signal exits 1 at once;
 * - a stop that takes longer than the shutdown deadline (default 30 s) is logged and exits 1;
 * - `main` throwing a ConfigError exits 2 with the problems on stderr; any other error is logged, what started is
 *   stopped, exit 1; so is `fail()`;
 * - `main` resolving to nothing means the service runs until stopped; resolving to a number means a job finished:
 *   the stop steps run and the process exits with that number.
 * Resolves with the exit code once `process.exit` was called (which, in a real process, does not return).
 */
export function runService(
  main: (service: ServiceContext) => Promise<number | void>,
  options: RunServiceOptions,
): Promise<number> {
  const proc = options.process ?? process;
  let logger = options.logger;
  let shutdownTimeoutMs: number = SHUTDOWN_TIMEOUT_MS.default;
  const steps: Array<() => Promise<unknown> | void> = [];
  const stopping = new AbortController();
  let code: number = EXIT_CODES.clean;
  let signalled = false;
  let deadline: NodeJS.Timeout | undefined;
  let started: Promise<void> = Promise.resolve();
  let exited = false;
  let resolveExited!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (resolveExited = resolve));

  const exit = (exitWith: number) => {
    if (exited) return;
    exited = true;
    clearTimeout(deadline);
    resolveExited(exitWith);
    proc.exit(exitWith);
  };

  // The first reason to stop that is not clean decides the exit code.
  const stop = (reason: number) => {
    if (code === EXIT_CODES.clean) code = reason;
    if (stopping.signal.aborted) return;
    stopping.abort();
    deadline = setTimeout(() => {
      logger.error({ timeoutMs: shutdownTimeoutMs }, 'graceful stop took too long; exiting');
      exit(EXIT_CODES.fatal);
    }, shutdownTimeoutMs);
    void (async () => {
      await started;
      for (const step of steps.reverse()) {
        try {
          await step();
        } catch (error) {
          logger.error({ err: error }, 'stopping failed');
          if (code === EXIT_CODES.clean) code = EXIT_CODES.fatal;
        }
      }
      exit(code);
    })();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.error({ signal }, 'second signal: exiting without finishing the stop');
      exit(EXIT_CODES.fatal);
      return;
    }
    signalled = true;
    logger.info({ signal }, 'draining and stopping');
    stop(EXIT_CODES.clean);
  };
  // Handlers first: a signal while main starts still stops what it started, once the start has settled.
  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);

  const context: ServiceContext = {
    stopping: stopping.signal,
    configure(settings) {
      if (settings.logger) logger = settings.logger;
      if (settings.shutdownTimeoutMs !== undefined) shutdownTimeoutMs = settings.shutdownTimeoutMs;
    },
    onStop: (step) => void steps.push(step),
    fail(error, message) {
      logger.fatal({ err: error }, message);
      stop(EXIT_CODES.fatal);
    },
  };
  started = (async () => {
    try {
      const result = await main(context);
      if (typeof result === 'number') stop(result);
    } catch (error) {
      if (error instanceof ConfigError) {
        proc.stderr.write(`${options.name}: ${error.message}\n`);
        stop(EXIT_CODES.badConfig);
      } else {
        logger.fatal({ err: error }, `${options.name} failed to start`);
        stop(EXIT_CODES.fatal);
      }
    }
  })();
  return exitCode;
}
