import { CodedError } from '@spr/errors';

export type ChaosErrorCode =
  'BAD_ARGUMENTS' | 'TIMEOUT' | 'ABORTED' | 'STACK' | 'BUNDLE' | 'FAULT_NOT_INJECTED' | 'UNKNOWN_SCENARIO';

/** Every failure of the chaos suite itself (not a finding about SPR) carries a code and says what to do. */
export class ChaosError extends CodedError<ChaosErrorCode> {
  override readonly name = 'ChaosError';
}
