export type SchemaToolErrorCode = 'USAGE' | 'REGISTRY_UNREACHABLE' | 'REGISTRY_ERROR' | 'WRITE_FAILED';

/** A failure of the schema tools that is not a finding about the schemas (those are reported as problems). */
export class SchemaToolError extends Error {
  readonly code: SchemaToolErrorCode;
  readonly retriable: boolean;

  constructor(code: SchemaToolErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SchemaToolError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}
