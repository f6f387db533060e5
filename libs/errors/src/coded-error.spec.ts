import { describe, expect, it } from 'vitest';
import { CodedError, errorCode } from './coded-error.ts';

class ExampleError extends CodedError<'BAD' | 'FLAKY'> {}

describe('CodedError', () => {
  it('carries the code, the name of the subclass, retriability, context and cause', () => {
    const cause = new Error('socket closed');
    const error = new ExampleError('FLAKY', 'the registry did not answer', {
      retriable: true,
      cause,
      context: { url: 'http://x' },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ExampleError');
    expect(error.code).toBe('FLAKY');
    expect(error.retriable).toBe(true);
    expect(error.context).toEqual({ url: 'http://x' });
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('ExampleError: the registry did not answer');
  });

  it('is not retriable and has no cause unless told', () => {
    const error = new ExampleError('BAD', 'no');
    expect(error.retriable).toBe(false);
    expect('cause' in error).toBe(false);
    expect(errorCode(error)).toBe('BAD');
    expect(errorCode(new Error('plain'))).toBeUndefined();
  });
});
