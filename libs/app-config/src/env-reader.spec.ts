import { describe, expect, it } from 'vitest';
import { ConfigError, envReader } from './env-reader.ts';

describe('envReader', () => {
  const env = envReader({ PORT: '8080', BAD_PORT: '80a', FLAG: 'yes', MODE: 'fast', URL: 'postgres://u:secret@h/db', NOT_URL: 'x' });

  it('reads values and defaults', () => {
    expect(env.int('PORT', 1)).toBe(8080);
    expect(env.int('MISSING', 7)).toBe(7);
    expect(env.string('MISSING', 'd')).toBe('d');
    expect(env.optionalString('MISSING')).toBeUndefined();
    expect(env.url('URL')).toBe('postgres://u:secret@h/db');
  });

  it('names the variable and the rule', () => {
    expect(() => env.int('BAD_PORT', 1)).toThrowError(new ConfigError('BAD_PORT=80a must be an integer from -9007199254740991 to 9007199254740991'));
    expect(() => env.int('PORT', 1, { max: 1024 })).toThrowError('PORT=8080 must be an integer from -9007199254740991 to 1024');
    expect(() => env.bool('FLAG', false)).toThrowError('FLAG=yes must be true or false');
    expect(() => env.oneOf('MODE', ['earliest', 'latest'], 'earliest')).toThrowError('MODE=fast must be one of earliest, latest');
    expect(() => env.string('REQUIRED')).toThrowError('REQUIRED is not set');
    // A URL that does not parse is named, but its value (which may hold a password) is not echoed.
    expect(() => env.url('NOT_URL')).toThrowError('NOT_URL is not a URL');
  });
});
