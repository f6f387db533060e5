import { CodedError } from '@spr/errors';

export type StackErrorCode =
  | 'JAVA_MISSING'
  | 'MAVEN_MISSING'
  | 'POSTGRES_MISSING'
  | 'PORT_IN_USE'
  | 'DOWNLOAD_FAILED'
  | 'SERVICE_DIED'
  | 'NOT_READY'
  | 'BAD_CONFIG'
  | 'LOCKED'
  | 'UNKNOWN_TOOL';

/** Every failure of the local stack carries a machine-readable code and a message a person can act on. */
export class StackError extends CodedError<StackErrorCode> {
  override readonly name = 'StackError';
}
