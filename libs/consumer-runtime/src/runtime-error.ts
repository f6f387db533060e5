export type RuntimeErrorCode =
  /** Another member claimed the partition (a newer generation) or moved its offset: this work is stale. */
  | 'FENCED'
  /** The stored offset differs from where this member is reading (e.g. an operator reset it): seek there. */
  | 'REPOSITION'
  /** A failure that may pass: connection lost, serialization failure, timeout, registry unavailable. */
  | 'TRANSIENT'
  /** Bad configuration, found at start. */
  | 'INVALID_CONFIG'
  | 'STOPPED';

/** Errors of the runtime carry a machine-readable code, whether retrying can help, and their context. */
export class RuntimeError extends Error {
  readonly code: RuntimeErrorCode;
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: RuntimeErrorCode, message: string, options: { retriable?: boolean; cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RuntimeError';
    this.code = code;
    this.retriable = options.retriable ?? code === 'TRANSIENT';
    this.context = options.context ?? {};
  }
}
