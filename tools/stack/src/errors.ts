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
export class StackError extends Error {
  readonly code: StackErrorCode;

  constructor(code: StackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
    this.code = code;
  }
}
