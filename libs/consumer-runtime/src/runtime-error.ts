import { CodedError, type CodedErrorOptions } from '@spr/errors';

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
export class RuntimeError extends CodedError<RuntimeErrorCode> {
  override readonly name = 'RuntimeError';

  /** Retriable by default only when TRANSIENT. */
  constructor(code: RuntimeErrorCode, message: string, options: CodedErrorOptions = {}) {
    super(code, message, { ...options, retriable: options.retriable ?? code === 'TRANSIENT' });
  }
}
