import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaRegistryClient } from './kafka-client.ts';

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
    const registry = createSchemaRegistryClient({ url: `http://127.0.0.1:${port}/apis/ccompat/v7`, requestTimeoutMs: 200 });
    await expect(registry.getSchema(1)).rejects.toThrowError(/timeout/i);
  }, 30_000);
});
