import { Kafka, logLevel, type Admin } from 'kafkajs';
import { uniqueName } from './names.ts';

export function testKafka(brokers: readonly string[], clientId = uniqueName('test_client')): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 100 },
  });
}

/** Creates a topic with a unique name and waits until every partition has a leader. */
export async function createTestTopic(
  admin: Admin,
  options: { prefix?: string; partitions?: number } = {},
): Promise<string> {
  const topic = uniqueName(options.prefix ?? 'topic');
  const numPartitions = options.partitions ?? 1;
  await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

export interface ApiVersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * Asks a broker which versions of each API it supports, with a raw ApiVersions v0 request (kafkajs keeps this
 * answer private). Tells a Kafka 4.x broker from older ones: 4.0 removed Fetch v0-v3 (KIP-896).
 */
export async function brokerApiVersions(broker: string): Promise<Map<number, ApiVersionRange>> {
  const { connect } = await import('node:net');
  const [host, port] = broker.split(':');
  const clientId = Buffer.from('spr-testing');
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  let at = request.writeInt32BE(request.length - 4, 0);
  at = request.writeInt16BE(18, at); // ApiVersions
  at = request.writeInt16BE(0, at); // version 0
  at = request.writeInt32BE(1, at); // correlation id
  at = request.writeInt16BE(clientId.length, at);
  clientId.copy(request, at);

  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host: host!, port: Number(port) }, () => socket.write(request));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.end();
        resolve(received.subarray(4));
      }
    });
    socket.on('error', reject);
  });
  const errorCode = response.readInt16BE(4);
  if (errorCode !== 0) throw new Error(`ApiVersions failed with error code ${errorCode}`);
  const ranges = new Map<number, ApiVersionRange>();
  const count = response.readInt32BE(6);
  for (let i = 0, offset = 10; i < count; i++, offset += 6) {
    ranges.set(response.readInt16BE(offset), {
      minVersion: response.readInt16BE(offset + 2),
      maxVersion: response.readInt16BE(offset + 4),
    });
  }
  return ranges;
}
