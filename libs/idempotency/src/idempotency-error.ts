export type IdempotencyErrorCode = 'PROGRESS_CONFLICT' | 'INVALID_EVENT';

export class IdempotencyError extends Error {
  readonly code: IdempotencyErrorCode;
  readonly retriable: boolean;

  constructor(code: IdempotencyErrorCode, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'IdempotencyError';
    this.code = code;
    this.retriable = options.retriable;
  }
}
