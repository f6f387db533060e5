import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, LOG_LEVELS } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one JSON object per line with service, level and message', () => {
    const { lines, destination } = capture();
    createLogger({ service: 'gateway', destination }).info({ partition: 3, offset: 42n }, 'chunk committed');
    expect(lines[0]).toMatchObject({
      service: 'gateway',
      level: 'info',
      message: 'chunk committed',
      partition: 3,
      offset: '42',
    });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('never writes secrets', () => {
    const { lines, destination } = capture();
    createLogger({ service: 'gateway', destination }).info(
      { headers: { 'x-api-key': 'k-123', authorization: 'Bearer t' }, sasl: { password: 'p' } },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('k-123');
    expect(text).not.toContain('Bearer t');
    expect(text).not.toMatch(/"password":"p"/);
  });

  it('takes every level of LOG_LEVELS, and each lets through the more severe ones only', () => {
    for (const [i, level] of LOG_LEVELS.entries()) {
      const { lines, destination } = capture();
      const logger = createLogger({ service: 's', level, destination });
      for (const each of LOG_LEVELS) logger[each]({}, each);
      expect(lines.map((l) => l.level)).toEqual(LOG_LEVELS.slice(0, i + 1));
    }
  });
});
