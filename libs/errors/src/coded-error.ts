export interface CodedErrorOptions {
  /** Whether trying the same operation again may succeed; bad input never does. Defaults to false. */
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** What the failure was about (the variable, the topic, the value), for logs and handlers. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * The base of every error the project throws on purpose: a machine-readable `code` a caller can switch on, a
 * message a person can act on, whether a retry can help, and the context. Subclasses only narrow the code type
 * and set the name, e.g.
 * `class StackError extends CodedError<StackErrorCode> { override readonly name = 'StackError' }`.
 */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: Code, message: string, options: CodedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** The code of a CodedError, or undefined for anything else (a plain Error, a string, a driver's error). */
export function errorCode(error: unknown): string | undefined {
  return error instanceof CodedError ? error.code : undefined;
}
