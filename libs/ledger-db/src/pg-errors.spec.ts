import { describe, expect, it } from 'vitest';
import { isTransientPgError, pgErrorKind } from './pg-errors.ts';

/** The shape node-postgres gives a server error: an Error with the SQLSTATE in `code`. */
const serverError = (code: string, message = `server error ${code}`) => Object.assign(new Error(message), { code });

describe('pgErrorKind and isTransientPgError', () => {
  it.each([
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock'],
    ['55P03', 'lock_timeout'],
    ['57014', 'query_canceled'],
    ['57P01', 'admin_shutdown'],
    ['08006', 'connection'],
    ['25P03', 'connection'], // idle-in-transaction timeout: the chaos suite's resumed zombie died of this once
    ['25P04', 'connection'],
    ['57P05', 'connection'],
    ['53300', 'insufficient_resources'],
  ] as const)('retries SQLSTATE %s (%s)', (code, kind) => {
    expect(pgErrorKind(serverError(code))).toBe(kind);
    expect(isTransientPgError(serverError(code))).toBe(true);
  });

  it.each([
    ['23505', 'unique_violation'],
    ['23514', 'check_violation'],
    ['23502', 'not_null_violation'],
    ['22P02', 'other'],
  ] as const)('does not retry SQLSTATE %s (%s): the same statement fails again', (code, kind) => {
    expect(pgErrorKind(serverError(code))).toBe(kind);
    expect(isTransientPgError(serverError(code))).toBe(false);
  });

  it('treats socket errors and node-postgres connection messages as connection failures', () => {
    expect(pgErrorKind(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('connection');
    expect(pgErrorKind(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(pgErrorKind(new Error('Client has encountered a connection error and is not queryable'))).toBe('connection');
    expect(pgErrorKind(new Error('something else'))).toBe('other');
    expect(pgErrorKind(undefined)).toBe('other');
  });
});
