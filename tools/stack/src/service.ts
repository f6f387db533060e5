import type { StackConfig } from './config.ts';

export type ServiceName = 'kafka' | 'registry' | 'postgres';

/** What `stack:up` records for a running service, so `stack:down` stops exactly that process. */
export interface ServiceRecord {
  readonly pid: number;
  /** A string in the process's command line, checked before signalling (guards against pid reuse). */
  readonly marker: string;
  readonly version: string;
  readonly port: number;
  readonly startedAt: string;
  readonly coldStartMs: number;
}

export interface StackContext {
  readonly config: StackConfig;
  readonly log: (line: string) => void;
}

export interface ServiceDriver {
  readonly name: ServiceName;
  readonly version: string;
  /** `name:port` of every port the service binds, for the port-in-use check. */
  readonly ports: (config: StackConfig) => ReadonlyArray<{ port: number; envName: string }>;
  /** Downloads and initialises what the service needs before it can start. */
  prepare(ctx: StackContext): Promise<void>;
  /** Starts the service and resolves once it is ready; rejects with the tail of its log if it dies. */
  start(ctx: StackContext): Promise<Omit<ServiceRecord, 'startedAt' | 'coldStartMs' | 'version' | 'port'>>;
  /** True when the service answers as ready (not merely when its port is open). */
  isReady(ctx: StackContext): Promise<boolean>;
  stop(ctx: StackContext, record: ServiceRecord): Promise<'stopped' | 'killed' | 'not-running'>;
  logFile(config: StackConfig): string;
}
