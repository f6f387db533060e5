/**
 * A child process of the benchmark that produces open-loop load: events at fixed intended times, at a fixed
 * rate, with the routing library's producer and the contracts codec. Its own process, so that the sender and
 * the offsets poller of the parent do not delay each other. Configured by SPR_BENCH_LOAD_CONFIG; answers over
 * IPC: ready, then (after go) the result with every event's intended time, partition and offset.
 */
import type { PaymentEvent } from '@spr/contracts';
import { createPaymentCodec } from '@spr/contracts';
import { createKafkaClient, createSchemaRegistryClient, createSequencedProducer, KAFKA_DEFAULTS } from '@spr/routing';
import { generateBacklog } from './backlog-generator.ts';
import { sendEvent } from './backlog-send.ts';
import { epochNow, sleep } from './clock.ts';
import { LOAD_CONFIG_ENV, type LoadCommand, type LoadConfig, type LoadMessage } from './load-protocol.ts';
import { dueBy, intendedAt } from './open-loop.ts';

const ACK_TIMEOUT_MS = 120_000;
const send = (message: LoadMessage) => process.send?.(message);

async function main(): Promise<void> {
  const raw = process.env[LOAD_CONFIG_ENV];
  if (!raw || !process.send)
    throw new Error(`load-process.ts is started by the benchmark (fork with IPC and ${LOAD_CONFIG_ENV})`);
  const config = JSON.parse(raw) as LoadConfig;
  let go!: () => void;
  let stop!: () => void;
  const goes = new Promise<void>((r) => (go = r));
  const stops = new Promise<void>((r) => (stop = r));
  process.on('message', (m: LoadCommand) => (m.type === 'go' ? go() : stop()));

  const kafka = createKafkaClient({ ...KAFKA_DEFAULTS, brokers: config.kafkaBrokers, clientId: 'spr-bench-load' });
  const codec = createPaymentCodec({
    registry: createSchemaRegistryClient({ url: config.schemaRegistryUrl }),
    topic: config.topic,
  });
  await codec.registerAll();
  const producer = createSequencedProducer<PaymentEvent>({
    kafka,
    topic: config.topic,
    partitionCount: config.partitions,
    encoder: codec,
  });
  await producer.start();
  const total = config.backlog.events;
  const events = generateBacklog(config.backlog);
  const intended = new Float64Array(config.record ? total : 0);
  const partition = new Int32Array(config.record ? total : 0);
  const offset = new Float64Array(config.record ? total : 0).fill(Number.NaN);
  let acked = 0;
  let failed = 0;
  let sent = 0;
  let redeliveries = 0;
  let maxBehindMs = 0;
  let settled!: () => void;
  const allSettled = new Promise<void>((r) => (settled = r));
  let scheduleOver = false;
  const onSettled = () => {
    if (scheduleOver && acked + failed === sent) settled();
  };
  send({ type: 'ready' });
  await goes;

  const schedule = { startAt: epochNow() + 50, ratePerSec: config.ratePerSec, total };
  const endAt = schedule.startAt + config.durationSec * 1000;
  while (sent < total) {
    const now = epochNow();
    if (now >= endAt + 1) break; // behind schedule at the end: what was not sent is not sent
    const due = dueBy(schedule, now);
    while (sent < due) {
      const next = events.next();
      if (next.done) break;
      const i = sent++;
      if (next.value.redelivery) redeliveries++;
      const at = intendedAt(schedule, i);
      maxBehindMs = Math.max(maxBehindMs, now - at);
      if (config.record) intended[i] = at;
      sendEvent(producer, next.value.event).then(
        (r) => {
          acked++;
          if (config.record) {
            partition[i] = r.partition;
            offset[i] = Number(r.offset);
          }
          onSettled();
        },
        () => {
          failed++;
          onSettled();
        },
      );
    }
    const wait = intendedAt(schedule, sent) - epochNow();
    // Ahead of schedule: sleep until the next event is due. Behind: yield once so acknowledgements get handled.
    if (wait > 0) await sleep(wait);
    else await new Promise((r) => setImmediate(r));
  }
  scheduleOver = true;
  onSettled();
  await Promise.race([allSettled, sleep(ACK_TIMEOUT_MS)]);
  send({
    type: 'result',
    startAt: schedule.startAt,
    sent,
    redeliveries,
    acked,
    failed,
    maxBehindMs: Math.round(maxBehindMs),
    achievedRatePerSec: Math.round(sent / config.durationSec),
    ...(config.record && {
      intended: intended.subarray(0, sent),
      partition: partition.subarray(0, sent),
      offset: offset.subarray(0, sent),
    }),
  });
  await stops;
  await producer.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    setTimeout(() => process.exit(1), 100);
  },
);
