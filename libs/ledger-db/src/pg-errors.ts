/**
 * PostgreSQL errors sorted into what a caller does about them (SQLSTATE codes, see the PostgreSQL manual's
 * "Error Codes" appendix). Transient ones are retried with backoff; the rest are bugs or bad data.
 */
export type PgErrorKind =
  | 'unique_violation'
  | 'check_violation'
  | 'foreign_key_violation'
  | 'not_null_violation'
  | 'serialization_failure'
  | 'deadlock'
  | 'lock_timeout'
  | 'query_canceled'
  | 'connection'
  | 'admin_shutdown'
  | 'insufficient_resources'
  | 'other';

const BY_CODE: Record<string, PgErrorKind> = {
  '23505': 'unique_violation',
  '23514': 'check_violation',
  '23503': 'foreign_key_violation',
  '23502': 'not_null_violation',
  '40001': 'serialization_failure',
  '40P01': 'deadlock',
  '55P03': 'lock_timeout',
  '57014': 'query_canceled',
  '57P01': 'admin_shutdown',
  '57P02': 'admin_shutdown',
  '57P03': 'admin_shutdown',
  '53300': 'insufficient_resources',
  // The server ended the session (the connection is gone, the transaction rolled back): a new connection can redo
  // the work. idle_in_transaction_session_timeout, transaction_timeout (PostgreSQL 17), idle_session_timeout.
  '25P03': 'connection',
  '25P04': 'connection',
  '57P05': 'connection',
};

const TRANSIENT: ReadonlySet<PgErrorKind> = new Set([
  'serialization_failure',
  'deadlock',
  'lock_timeout',
  'query_canceled',
  'connection',
  'admin_shutdown',
  'insufficient_resources',
]);

/** Node-level socket errors that mean the connection, not the statement, failed. */
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/** Driver error messages that mean the connection, not the statement, failed (matched case-insensitively). */
const CONNECTION_MESSAGES = new RegExp(
  [
    'Connection terminated',
    'connection timeout',
    'Client has encountered a connection error',
    'timeout exceeded when trying to connect',
  ].join('|'),
  'i',
);

export function pgErrorKind(error: unknown): PgErrorKind {
  if (typeof error !== 'object' || error === null) return 'other';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (BY_CODE[code]) return BY_CODE[code];
    if (code.startsWith('08')) return 'connection'; // connection exception class
    if (CONNECTION_ERRNOS.has(code)) return 'connection';
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) {
    return 'connection';
  }
  return 'other';
}

/** True for failures worth retrying with backoff: the same work can succeed later. */
export function isTransientPgError(error: unknown): boolean {
  return TRANSIENT.has(pgErrorKind(error));
}

/** The constraint a violation names, when PostgreSQL reports one. */
export function violatedConstraint(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
