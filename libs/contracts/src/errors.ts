import { CodedError } from '@spr/errors';

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
export class ContractError extends CodedError<ContractErrorCode> {
  override readonly name = 'ContractError';
}
