/** A consumer process under measurement, O's bundle or arm F: what the offset watchers and the latency runs need. */
export interface ConsumerHandle {
  /** For messages: "payment consumer", "arm F". */
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Log lines kept (warnings, errors and the like), the last ones of which explain an early exit. */
  lines(): ReadonlyArray<Record<string, unknown>>;
  /** Stops the process and waits for it; idempotent. */
  stop(): Promise<void>;
}
