import { CodedError } from '@spr/errors';
import { describe, expect, it } from 'vitest';
import { ConfigError, envReader, readEnv, redactUrl } from './env-reader.ts';

describe('envReader', () => {
  const env = envReader({
    PORT: '8080',
    BAD_PORT: '80a',
    FLAG: 'yes',
    MODE: 'fast',
    URL: 'postgres://u:secret@h/db',
    BLANK: '  ',
    HOST: ' h ',
  });

  it('reads values and defaults; empty and blank values take the default; strings are trimmed', () => {
    expect(env.int('PORT', 1)).toBe(8080);
    expect(env.int('MISSING', 7)).toBe(7);
    expect(env.int('BLANK', 7)).toBe(7);
    expect(env.string('MISSING', 'd')).toBe('d');
    expect(env.string('HOST')).toBe('h');
    expect(env.optionalString('MISSING')).toBeUndefined();
    expect(env.url('URL')).toBe('postgres://u:secret@h/db');
  });

  it('throws a ConfigError, a CodedError, naming the variable and the rule', () => {
    const thrown = (() => {
      try {
        env.int('BAD_PORT', 1);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toBeInstanceOf(CodedError);
    expect(thrown).toMatchObject({
      name: 'ConfigError',
      code: 'INVALID_CONFIG',
      retriable: false,
      message: 'BAD_PORT=80a must be an integer',
      problems: ['BAD_PORT=80a must be an integer'],
    });
    expect(() => env.int('PORT', 1, { max: 1024 })).toThrowError('PORT=8080 must be an integer <= 1024');
    expect(() => env.int('PORT', 1, { min: 0, max: 1024 })).toThrowError('PORT=8080 must be an integer from 0 to 1024');
    expect(() => env.bool('FLAG', false)).toThrowError('FLAG=yes must be true or false');
    expect(() => env.oneOf('MODE', ['earliest', 'latest'], 'earliest')).toThrowError(
      'MODE=fast must be one of earliest, latest',
    );
    expect(() => env.string('REQUIRED')).toThrowError('REQUIRED is not set');
  });
});

describe('the rules, the same in every app', () => {
  const one = <T>(value: string | undefined, read: (e: ReturnType<typeof envReader>) => T) =>
    read(envReader({ X: value }));

  it('integers: decimal digits with an optional minus, nothing else, within bounds', () => {
    expect(one('12', (e) => e.int('X', 0))).toBe(12);
    expect(one('-5', (e) => e.int('X', 0, { min: -10 }))).toBe(-5);
    expect(one('007', (e) => e.int('X', 0))).toBe(7);
    for (const bad of ['1e3', '0x10', ' 12 ', '12 ', '+1', '1.0', '1.5', '1_000', 'Infinity', '9007199254740993']) {
      expect(() => one(bad, (e) => e.int('X', 0)), bad).toThrowError(`X=${bad} must be an integer`);
    }
    expect(() => one('0', (e) => e.int('X', 5, { min: 1 }))).toThrowError('X=0 must be an integer >= 1');
  });

  it('booleans: true/false or 1/0, in any case', () => {
    for (const yes of ['true', 'TRUE', 'True', '1', ' true '])
      expect(
        one(yes, (e) => e.bool('X', false)),
        yes,
      ).toBe(true);
    for (const no of ['false', 'FALSE', '0'])
      expect(
        one(no, (e) => e.bool('X', true)),
        no,
      ).toBe(false);
    for (const bad of ['yes', 'no', 'on', '2', 't'])
      expect(() => one(bad, (e) => e.bool('X', false)), bad).toThrowError(`X=${bad} must be true or false`);
    expect(one(undefined, (e) => e.bool('X', true))).toBe(true);
  });

  it('enumerations: any case, the allowed spelling back', () => {
    expect(one('DEBUG', (e) => e.oneOf('X', ['info', 'debug'] as const, 'info'))).toBe('debug');
    expect(one('Scram-SHA-256', (e) => e.oneOf('X', ['plain', 'scram-sha-256'] as const, 'plain'))).toBe(
      'scram-sha-256',
    );
  });

  it('URLs: must parse and have an allowed scheme; the value (a password) is never repeated', () => {
    const postgres = { protocols: ['postgres:', 'postgresql:'], example: 'postgres://user:password@host:5432/db' };
    expect(one('postgresql://u:p@h/db', (e) => e.url('X', undefined, postgres))).toBe('postgresql://u:p@h/db');
    expect(() => one('s3cret@h/db', (e) => e.url('X'))).toThrowError(/^X is not a URL$/);
    expect(() => one('mysql://u:s3cret@h/db', (e) => e.url('X', undefined, postgres))).toThrowError(
      /^X is not a postgres:\/\/ or postgresql:\/\/ URL$/,
    );
    expect(() => one('ftp://h', (e) => e.url('X', undefined, { protocols: ['http:', 'https:'] }))).toThrowError(
      'X is not an http:// or https:// URL',
    );
    expect(() => one(undefined, (e) => e.url('X', undefined, postgres))).toThrowError(
      'X is not set (e.g. postgres://user:password@host:5432/db)',
    );
    expect(one(undefined, (e) => e.url('X', 'http://d'))).toBe('http://d');
  });

  it('secrets: read like strings, never echoed', () => {
    expect(one(' pw ', (e) => e.secret('X'))).toBe('pw');
    expect(one('', (e) => e.secret('X'))).toBeUndefined();
  });
});

describe('readEnv', () => {
  it('returns what the reading built when nothing is wrong', () => {
    expect(readEnv({ A: '1', B: 'true' }, (e) => ({ a: e.int('A', 0), b: e.bool('B', false) }))).toEqual({
      a: 1,
      b: true,
    });
  });

  it('names every problem at once, in the order read, with the caller’s own problems', () => {
    let thrown: unknown;
    try {
      readEnv({ A: '1e3', B: 'yes', U: 'postgres://u:s3cret@h:x/db' }, (e) => {
        e.int('A', 0);
        e.bool('B', false);
        e.string('C');
        e.url('U');
        e.problem('D has a bad format');
        return 'never';
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.problems).toEqual([
      'A=1e3 must be an integer',
      'B=yes must be true or false',
      'C is not set',
      'U is not a URL',
      'D has a bad format',
    ]);
    expect(error.message).toBe(
      '5 settings are invalid:\n  - A=1e3 must be an integer\n  - B=yes must be true or false\n' +
        '  - C is not set\n  - U is not a URL\n  - D has a bad format',
    );
    expect(error.message).not.toContain('s3cret');
  });

  it('gives a single problem as the message itself', () => {
    expect(() => readEnv({}, (e) => e.string('ONLY'))).toThrowError(/^ONLY is not set$/);
  });
});

describe('redactUrl', () => {
  it('replaces the password, and never returns what it cannot parse', () => {
    expect(redactUrl('http://u:p@h/x')).toBe('http://u:***@h/x');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactUrl('s3cret@h/db')).toBe('[unparseable]');
  });
});
