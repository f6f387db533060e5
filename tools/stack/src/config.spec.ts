import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, endpoints, formatEndpoints, stackConfig } from './config.ts';
import { StackError } from './errors.ts';

describe('stackConfig', () => {
  it('uses the default ports and one state folder under the workspace', () => {
    const config = stackConfig({}, '/ws');
    expect(config.kafkaPort).toBe(DEFAULT_PORTS.kafka);
    expect(config.stateDir).toBe('/ws/.spr/stack');
    expect(formatEndpoints(endpoints(config))).toBe(
      'KAFKA_BROKERS=127.0.0.1:19092\nSCHEMA_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7\nDATABASE_URL=postgres://spr:spr@127.0.0.1:15432/spr\n',
    );
  });

  it('takes ports from the environment', () => {
    const config = stackConfig({ SPR_KAFKA_PORT: '29092', SPR_POSTGRES_PORT: '25432' }, '/ws');
    expect(endpoints(config).KAFKA_BROKERS).toBe('127.0.0.1:29092');
    expect(endpoints(config).DATABASE_URL).toContain(':25432/');
  });

  it('names the variable of a port that is not a port', () => {
    expect(() => stackConfig({ SPR_REGISTRY_PORT: 'http' }, '/ws')).toThrowError(/SPR_REGISTRY_PORT=http is not a TCP port/);
    expect(() => stackConfig({ SPR_POSTGRES_PORT: '70000' }, '/ws')).toThrowError(StackError);
  });

  it('refuses two services on one port', () => {
    expect(() => stackConfig({ SPR_KAFKA_PORT: '15432' }, '/ws')).toThrowError(/ports must differ/);
  });
});
