export type ContractErrorCode =
  | 'INVALID_OPTIONS'
  | 'UNKNOWN_EVENT_TYPE'
  | 'INVALID_EVENT'
  | 'INVALID_JSON_VALUE'
  | 'REGISTRATION_REFUSED'
  | 'REGISTRY_UNAVAILABLE';

/**
 * Every error this library throws: a machine-readable code, whether retrying can help, and the cause. Expected
 * outcomes of decoding (bad bytes, unknown ids) are not errors: `decode` returns them as a `DecodeResult`.
 */
export class ContractError extends Error {
  readonly code: ContractErrorCode;
  readonly retriable: boolean;

  constructor(code: ContractErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ContractError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}
