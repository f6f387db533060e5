import { CodedError, type CodedErrorOptions } from '@spr/errors';

export type IdempotencyErrorCode = 'PROGRESS_CONFLICT' | 'INVALID_EVENT';

export class IdempotencyError extends CodedError<IdempotencyErrorCode> {
  override readonly name = 'IdempotencyError';

  // Every call site says whether a retry can help.
  constructor(
    code: IdempotencyErrorCode,
    message: string,
    options: CodedErrorOptions & { readonly retriable: boolean },
  ) {
    super(code, message, options);
  }
}
