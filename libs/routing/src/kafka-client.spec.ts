import { createServer, type Server, type Socket } from 'node:net';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaRegistryClient, kafkajsLogLevel } from './kafka-client.ts';

/** A "registry" that accepts connections and never answers (a frozen process). */
let server: Server;
let port: number;
const sockets: Socket[] = [];
beforeAll(async () => {
  server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('createSchemaRegistryClient', () => {
  it('fails a request to a registry that never answers, instead of waiting forever', async () => {
    const registry = createSchemaRegistryClient({
      url: `http://127.0.0.1:${port}/apis/ccompat/v7`,
      requestTimeoutMs: 200,
    });
    await expect(registry.getSchema(1)).rejects.toThrowError(/timeout/i);
  }, 30_000);
});

describe('kafkajsLogLevel', () => {
  it('logs the broker answers of an ordinary rebalance below error', () => {
    expect(
      kafkajsLogLevel(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', {
        error: 'The group is rebalancing, so a rejoin is needed',
      }),
    ).toBe('info');
    expect(
      kafkajsLogLevel(logLevel.ERROR, 'Response JoinGroup(key: 11, version: 5)', {
        error: 'The group member needs to have a valid member id before actually entering a consumer group',
      }),
    ).toBe('info');
    expect(
      kafkajsLogLevel(logLevel.ERROR, 'The coordinator is not aware of this member, re-joining the group', {}),
    ).toBe('warn');
  });

  it('keeps real errors at error, and other levels as they are', () => {
    expect(
      kafkajsLogLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', {
        error: 'This server is not the leader for that topic-partition',
      }),
    ).toBe('error');
    expect(kafkajsLogLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', {})).toBe('error');
    expect(kafkajsLogLevel(logLevel.WARN, 'The group is rebalancing, re-joining', {})).toBe('warn');
    expect(kafkajsLogLevel(logLevel.INFO, 'Consumer has joined the group', {})).toBe('info');
    expect(kafkajsLogLevel(logLevel.DEBUG, 'Request Fetch', {})).toBe('debug');
  });
});
