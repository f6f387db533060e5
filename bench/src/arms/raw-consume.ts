import { createPaymentCodec } from '@spr/contracts';
import { createKafkaClient, createSchemaRegistryClient, KAFKA_DEFAULTS } from '@spr/routing';
import type { ChildArmConfig } from '../arm-protocol.ts';
import type { ArmReporter } from './arm-reporter.ts';
import { PARTITIONS_CONSUMED_CONCURRENTLY, runtimeConsumerConfig } from './runtime-fetch.ts';

/**
 * A0 (decode = false): kafkajs consuming the backlog with no work at all, with the client and fetch settings the
 * SPR runtime uses (eachBatch, same fetch sizes), 6 partitions at once: the ceiling of reading from Kafka in
 * Node. A1 (decode = true): the same plus the Avro decode of every value with the contracts codec
 * (decodeCached, the registry asked once per schema id).
 */
export async function runRawConsume(
  config: ChildArmConfig,
  decode: boolean,
  reporter: ArmReporter,
): Promise<() => Promise<void>> {
  const kafka = createKafkaClient({
    ...KAFKA_DEFAULTS,
    brokers: config.kafkaBrokers,
    clientId: `bench-${config.arm.toLowerCase()}`,
  });
  const codec = createPaymentCodec({
    registry: createSchemaRegistryClient({ url: config.schemaRegistryUrl }),
    topic: config.topic,
  });
  const consumer = kafka.consumer(runtimeConsumerConfig(config.groupId, config.fetch));
  let count = 0;
  let failures = 0;
  await consumer.connect();
  await consumer.subscribe({ topic: config.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      reporter.first();
      if (decode) {
        for (const message of batch.messages) {
          const result = codec.decodeCached(message.value) ?? (await codec.decode(message.value));
          if (!result.ok) failures++;
        }
      }
      count += batch.messages.length;
      reporter.progress(count);
      if (count >= config.events) reporter.done(count);
    },
  });
  await reporter.finished;
  if (failures > 0) throw new Error(`${failures} messages failed to decode`);
  return () => consumer.disconnect();
}
