import { CodedError } from '@spr/errors';

export type SchemaToolErrorCode = 'USAGE' | 'REGISTRY_UNREACHABLE' | 'REGISTRY_ERROR' | 'WRITE_FAILED';

/** A failure of the schema tools that is not a finding about the schemas (those are reported as problems). */
export class SchemaToolError extends CodedError<SchemaToolErrorCode> {
  override readonly name = 'SchemaToolError';
}
