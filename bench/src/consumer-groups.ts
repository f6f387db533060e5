import { createKafkaClient, KAFKA_DEFAULTS } from '@spr/routing';
import type { BenchContext } from './bench-context.ts';
import { benchName } from './bench-names.ts';

/**
 * A fresh consumer group name for one arm, deleted from Kafka when the run ends (an empty group otherwise lingers
 * until the broker's offsets retention expires it). Deleting a group that never joined is harmless.
 */
export function benchGroup(ctx: BenchContext, prefix: string): string {
  const groupId = benchName(`${prefix}_group`);
  ctx.resources.defer(`delete consumer group ${groupId}`, async () => {
    const admin = createKafkaClient({
      ...KAFKA_DEFAULTS,
      brokers: ctx.stack.kafkaBrokers,
      clientId: 'spr-bench-cleanup',
    }).admin();
    await admin.connect();
    try {
      await admin.deleteGroups([groupId]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  });
  return groupId;
}
