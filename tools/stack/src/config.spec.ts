import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, endpoints, formatEndpoints, shellQuote, stackConfig } from './config.ts';
import { StackError } from './errors.ts';

describe('stackConfig', () => {
  it('uses the default ports and one state folder under the workspace', () => {
    const config = stackConfig({}, '/ws');
    expect(config.kafkaPort).toBe(DEFAULT_PORTS.kafka);
    expect(config.stateDir).toBe('/ws/.spr/stack');
    expect(formatEndpoints(endpoints(config))).toBe(
      'export KAFKA_BROKERS=127.0.0.1:19092\nexport SCHEMA_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7\nexport DATABASE_URL=postgres://spr:spr@127.0.0.1:15432/spr\n',
    );
  });

  it('takes ports from the environment', () => {
    const config = stackConfig({ SPR_KAFKA_PORT: '29092', SPR_POSTGRES_PORT: '25432' }, '/ws');
    expect(endpoints(config).KAFKA_BROKERS).toBe('127.0.0.1:29092');
    expect(endpoints(config).DATABASE_URL).toContain(':25432/');
  });

  it('names the variable of a port that is not a port', () => {
    expect(() => stackConfig({ SPR_REGISTRY_PORT: 'http' }, '/ws')).toThrowError(
      /SPR_REGISTRY_PORT=http is not a TCP port/,
    );
    expect(() => stackConfig({ SPR_POSTGRES_PORT: '70000' }, '/ws')).toThrowError(StackError);
  });

  it('refuses two services on one port', () => {
    expect(() => stackConfig({ SPR_KAFKA_PORT: '15432' }, '/ws')).toThrowError(/ports must differ/);
  });
});

describe('formatEndpoints', () => {
  it('quotes only values a shell would otherwise split or expand', () => {
    expect(shellQuote('127.0.0.1:19092,127.0.0.1:29092')).toBe('127.0.0.1:19092,127.0.0.1:29092');
    expect(shellQuote('postgres://u:p@h:1/db?search_path=x')).toBe("'postgres://u:p@h:1/db?search_path=x'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
  });

  it('exports every endpoint to a shell that evals it, whatever the values hold', () => {
    const nasty = {
      KAFKA_BROKERS: '127.0.0.1:19092',
      SCHEMA_REGISTRY_URL: "http://h:1/a b?x=$HOME&y=`id`;z='q'",
      DATABASE_URL: 'postgres://u:p"w\\d!@h:1/db?options=-c search_path=s\nsecond line',
    };
    const script = `eval "$1"; exec "$2" -e 'console.log(JSON.stringify({ k: process.env.KAFKA_BROKERS, s: process.env.SCHEMA_REGISTRY_URL, d: process.env.DATABASE_URL }))'`;
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const result = spawnSync('bash', ['-c', script, 'bash', formatEndpoints(nasty), process.execPath], {
      encoding: 'utf8',
      env,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      k: nasty.KAFKA_BROKERS,
      s: nasty.SCHEMA_REGISTRY_URL,
      d: nasty.DATABASE_URL,
    });
  });
});
