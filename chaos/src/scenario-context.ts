import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { readGroupOffsets } from '@spr/consumer-runtime';
import { createPaymentCodec, type PaymentCodec, type PaymentEvent } from '@spr/contracts';
import { migrateDatabase } from '@spr/ledger-db';
import { simulatePayments } from '@spr/payments-domain';
import { createSchemaRegistryClient, createSequencedProducer, type SequencedProducer } from '@spr/routing';
import type { StackEndpoints } from '@spr/stack';
import { Kafka, logLevel, type Admin, type IHeaders, type logCreator, type Producer } from 'kafkajs';
import pg from 'pg';
import type { ChaosStack } from './chaos-stack.ts';
import { uniqueChaosName } from './chaos-names.ts';
import type { ConsumerSupervisor } from './consumer-process.ts';
import { createRandom, deriveSeed, type Random } from './seeds.ts';
import { superviseMember, type SupervisedMember } from './supervised-member.ts';
import { sleep, waitUntil } from './wait-until.ts';

export const PARTITIONS = 6;
/** Above the consumer's 1 MiB limit, so that an OVERSIZE poison message can be produced at all. */
export const TOPIC_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
const SLICE = 1_000;
const SEND_ATTEMPTS = 30;

/** Settings every consumer of a scenario gets, unless the scenario overrides them. */
export const CONSUMER_DEFAULTS: Readonly<Record<string, string>> = {
  OPS_PORT: '0',
  LOG_LEVEL: 'info',
  // Short, so the group notices a killed or frozen member quickly (the broker allows down to 1 s).
  SESSION_TIMEOUT_MS: '3000',
  CHUNK_MAX_EVENTS: '200',
};

/** Overrides that undo CONSUMER_DEFAULTS' tuning: the members then run with the app's own defaults, as users do. */
export const APP_DEFAULTS: Readonly<Record<string, undefined>> = {
  SESSION_TIMEOUT_MS: undefined,
  CHUNK_MAX_EVENTS: undefined,
};

/** A raw message for poison: sent as given, to the partition given. */
export interface RawRecord {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly partition: number;
  readonly headers?: IHeaders;
}

/** What a scenario works with: a topic, a database and a consumer group of its own, and the run's tools. */
export interface ScenarioContext {
  readonly name: string;
  readonly seed: number;
  readonly random: Random;
  readonly quick: boolean;
  readonly signal: AbortSignal;
  readonly stack: ChaosStack;
  readonly endpoints: StackEndpoints;
  readonly topic: string;
  readonly groupId: string;
  readonly database: string;
  readonly databaseUrl: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly pool: pg.Pool;
  readonly codec: PaymentCodec;
  readonly producer: SequencedProducer<PaymentEvent>;
  readonly logDir: string;
  log(line: string): void;
  /** Simulated payment events (deterministic from the scenario's seed and `label`). */
  simulate(payments: number, label?: string): PaymentEvent[];
  /** The consumer's environment: the run's endpoints, CONSUMER_DEFAULTS, then `overrides` (undefined: the app's own default). */
  consumerEnv(overrides?: Record<string, string | undefined>): Record<string, string>;
  /** A consumer process, restarted like a supervisor would if it crashes on its own (see supervised-member.ts). */
  spawnMember(name: string, overrides?: Record<string, string | undefined>): SupervisedMember;
  /** Ends supervision and stops every member still running (the scenario is over). */
  stopMembers(): Promise<void>;
  /** Publishes in order through the sequenced producer; a failed send is sent again (a producer retry). */
  publish(events: readonly PaymentEvent[], options?: { perSecond?: number }): Promise<void>;
  sendRaw(records: readonly RawRecord[]): Promise<void>;
  /** Sum of the group's stored next offsets (how far the consumer got). */
  progress(): Promise<bigint>;
  endOffsets(): Promise<Map<number, bigint>>;
  /** Waits until the stored next_offset of every partition is the log end offset; resolves with when. */
  waitForDrain(timeoutMs?: number): Promise<number>;
  close(options: { keepData: boolean }): Promise<void>;
}

export interface ScenarioContextOptions {
  readonly name: string;
  readonly runSeed: number;
  readonly quick: boolean;
  readonly signal: AbortSignal;
  readonly stack: ChaosStack;
  readonly supervisor: ConsumerSupervisor;
  readonly logDir: string;
  readonly log: (line: string) => void;
}

function fileLogCreator(stream: WriteStream): logCreator {
  return () =>
    ({ namespace, level, log }) =>
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, namespace, ...log })}\n`);
}

export function databaseUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function createScenarioContext(options: ScenarioContextOptions): Promise<ScenarioContext> {
  const { name, stack, signal, supervisor } = options;
  const endpoints = stack.endpoints;
  const seed = deriveSeed(options.runSeed, name);
  const random = createRandom(seed);
  const topic = uniqueChaosName('chaos', name);
  const groupId = `${topic}_group`;
  const database = topic;
  mkdirSync(options.logDir, { recursive: true });
  const kafkaLog = createWriteStream(join(options.logDir, 'runner-kafkajs.log'), { flags: 'a' });
  const kafka = new Kafka({
    clientId: `spr-chaos-${name}`,
    brokers: endpoints.KAFKA_BROKERS.split(','),
    logLevel: logLevel.WARN,
    logCreator: fileLogCreator(kafkaLog),
    retry: { retries: 15, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: PARTITIONS,
        replicationFactor: 1,
        configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
      },
    ],
    waitForLeaders: true,
  });

  const root = new pg.Client({ connectionString: endpoints.DATABASE_URL });
  root.on('error', () => undefined);
  await root.connect();
  try {
    await root.query(`create database "${database}"`);
  } finally {
    await root.end();
  }
  const databaseUrl = databaseUrlFor(endpoints.DATABASE_URL, database);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, application_name: 'spr-chaos' });
  // Idle connections die with a PostgreSQL restart or termination; queries are retried by their callers.
  pool.on('error', () => undefined);
  await migrateDatabase(pool);

  const codec = createPaymentCodec({
    registry: createSchemaRegistryClient({ url: endpoints.SCHEMA_REGISTRY_URL }),
    topic,
  });
  // Every schema id is known before the first send: a first-time registration must not reorder a payment's events.
  await codec.registerAll();
  const producer = createSequencedProducer<PaymentEvent>({ kafka, topic, partitionCount: PARTITIONS, encoder: codec });
  await producer.start();
  let raw: Producer | undefined;

  const log = (line: string) => options.log(`[${name}] ${line}`);
  const members: SupervisedMember[] = [];

  const consumerEnv = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
    const env: Record<string, string | undefined> = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: endpoints.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: endpoints.SCHEMA_REGISTRY_URL,
      PAYMENTS_TOPIC: topic,
      CONSUMER_GROUP: groupId,
      ...CONSUMER_DEFAULTS,
      ...overrides,
    };
    return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  };

  const endOffsets = async () => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  };

  const publishSlice = async (slice: readonly PaymentEvent[]) => {
    let waiting = [...slice];
    for (let attempt = 1; waiting.length > 0; attempt++) {
      const results = await Promise.allSettled(
        waiting.map((event) => {
          const p = event.payload;
          return producer.send({
            entityType: p.entity_type,
            entityId: p.entity_id,
            seq: p.seq,
            eventId: p.event_id,
            eventType: event.type,
            correlationId: p.correlation_id,
            event,
          });
        }),
      );
      const failed = waiting.filter((_, i) => results[i]!.status === 'rejected');
      if (failed.length === 0) return;
      const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as Error;
      if (attempt >= SEND_ATTEMPTS)
        throw new Error(`publishing failed ${attempt} times: ${reason.message}`, { cause: reason });
      log(`send of ${failed.length} events failed (${reason.message}); sending them again`);
      // The producer fails a batch and everything behind it, so the failed ones are a suffix: order is kept.
      waiting = failed;
      await sleep(500, signal);
    }
  };

  return {
    name,
    seed,
    random,
    quick: options.quick,
    signal,
    stack,
    endpoints,
    topic,
    groupId,
    database,
    databaseUrl,
    kafka,
    admin,
    pool,
    codec,
    producer,
    logDir: options.logDir,
    log,
    simulate: (payments, label = 'load') => [
      ...simulatePayments({ payments, seed: deriveSeed(seed, label), idPrefix: `${label}-${seed.toString(36)}` }),
    ],
    consumerEnv,
    spawnMember(memberName, overrides) {
      const member = superviseMember(
        (n, env) => supervisor.spawn(n, env, options.logDir),
        memberName,
        consumerEnv(overrides),
        log,
      );
      members.push(member);
      return member;
    },
    async stopMembers() {
      for (const member of members) member.retire();
      await Promise.all(members.map((m) => m.stop(15_000)));
    },
    async publish(events, publishOptions = {}) {
      const began = Date.now();
      for (let i = 0; i < events.length; i += SLICE) {
        if (signal.aborted) throw new Error('aborted while publishing');
        await publishSlice(events.slice(i, i + SLICE));
        if (publishOptions.perSecond) {
          const due = began + ((i + SLICE) / publishOptions.perSecond) * 1000;
          if (due > Date.now()) await sleep(due - Date.now(), signal);
        }
      }
    },
    async sendRaw(records) {
      if (!raw) {
        raw = kafka.producer({ allowAutoTopicCreation: false });
        await raw.connect();
      }
      await raw.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({ key: r.key, value: r.value, partition: r.partition, headers: r.headers })),
      });
    },
    async progress() {
      return (await readGroupOffsets(pool, groupId, topic)).reduce((sum, o) => sum + o.nextOffset, 0n);
    },
    endOffsets,
    async waitForDrain(timeoutMs = 180_000) {
      const ends = await waitUntil(() => endOffsets(), {
        what: `the end offsets of ${topic}`,
        timeoutMs: 60_000,
        signal,
      });
      await waitUntil(
        async () => {
          const stored = new Map(
            (await readGroupOffsets(pool, groupId, topic)).map((o) => [o.partition, o.nextOffset]),
          );
          return [...ends].every(([partition, end]) => (stored.get(partition) ?? 0n) >= end);
        },
        {
          what: `the consumer to drain ${topic} (stored next_offset = log end offset on every partition)`,
          timeoutMs,
          intervalMs: 100,
          signal,
        },
      );
      return Date.now();
    },
    async close({ keepData }) {
      await producer.stop().catch(() => undefined);
      await raw?.disconnect().catch(() => undefined);
      if (!keepData) await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
      if (!keepData) {
        const client = new pg.Client({ connectionString: endpoints.DATABASE_URL });
        client.on('error', () => undefined);
        await client.connect();
        await client.query(`drop database if exists "${database}" with (force)`).finally(() => client.end());
      }
      kafkaLog.end();
    },
  };
}
