import { CodedError, type CodedErrorOptions } from '@spr/errors';

export type GatewayErrorCode =
  /** A setting from the environment is missing or malformed; the message names the variable. */
  | 'INVALID_CONFIG'
  /** An event the gateway built does not fit its Avro schema: a bug, never the client's fault. */
  | 'INVALID_EVENT'
  /** A stored outbox row cannot be turned back into an event (its payload does not fit the schema). */
  | 'INVALID_OUTBOX_ROW'
  /** The relay lost its database session (and with it the leadership lock). */
  | 'RELAY_SESSION_LOST'
  /** start() after stop(), or a call the lifecycle does not allow. */
  | 'STOPPED';

export type GatewayErrorOptions = CodedErrorOptions;

/** Every failure of the gateway itself carries a machine-readable code, whether a retry can help, and its cause. */
export class GatewayError extends CodedError<GatewayErrorCode> {
  // Set explicitly: a bundler may rename the class.
  override readonly name = 'GatewayError';
}
