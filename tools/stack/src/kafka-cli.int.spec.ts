/**
 * `npm run kafka -- <tool>` against the real broker: the one in KAFKA_BROKERS, else the local stack (started if it
 * is not running, and stopped again only then). The topic and group are this run's own, made with kafkajs.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWorkspaceRoot, stackConfig } from './config.ts';
import { KAFKA_TOOLS, prepareKafkaTools } from './kafka-tools.ts';
import { waitUntil } from './processes.ts';
import { stackDown, stackUp } from './stack.ts';
import { runCommand, type CommandResult } from './test-support/run-command.ts';

const CLI = join(import.meta.dirname, 'kafka-cli.ts');
const PARTITIONS = 3;
const PER_PARTITION = 4;
const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
const topic = `spr_kafka_cli_${suffix}`;
const group = `spr_kafka_cli_group_${suffix}`;

let brokers: string;
let stopStack: () => Promise<void> = async () => undefined;
let admin: Admin;

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: brokers },
): Promise<CommandResult> {
  return runCommand(command, args, { cwd: findWorkspaceRoot(), env });
}

const kafkaCli = (...args: string[]) => run(process.execPath, [CLI, ...args]);
const lines = (text: string) => text.split('\n').map((l) => l.trim());

/** The entry names of a jar, from its zip central directory. */
function jarEntries(file: string): string[] {
  const zip = readFileSync(file);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${file} is not a zip file`);
  const names: string[] = [];
  let at = zip.readUInt32LE(end + 16);
  for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return names;
}

/** Failure output of a logging backend that is missing or left at its defaults. */
const LOGGING_NOISE = /SLF4J|log4j|StatusLogger|\bINFO\b/i;

beforeAll(async () => {
  if (process.env.KAFKA_BROKERS) {
    brokers = process.env.KAFKA_BROKERS;
  } else {
    const report = await stackUp({ log: (line) => process.stderr.write(`[stack] ${line}\n`) });
    brokers = report.endpoints.KAFKA_BROKERS;
    if (report.services.some((s) => s.state === 'started')) stopStack = () => stackDown();
  }
  // The first use downloads the tools; done here so no test's time goes to Maven.
  prepareKafkaTools(stackConfig(), (line) => process.stderr.write(`[kafka] ${line}\n`));

  const kafka = new Kafka({
    clientId: `spr-kafka-cli-spec-${suffix}`,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: PARTITIONS,
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: '86400000' }],
      },
    ],
    waitForLeaders: true,
  });
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => ({
    partition: i % PARTITIONS,
    value: `m${i}`,
  }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  // A real group: a consumer reads everything and commits, then leaves.
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let read = 0;
  await consumer.run({ eachMessage: async () => void read++ });
  const committed = async () => {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (
      offsets?.partitions.length === PARTITIONS && offsets.partitions.every((p) => p.offset === String(PER_PARTITION))
    );
  };
  const done = await waitUntil(async () => read === messages.length && (await committed()), 60_000, 200);
  await consumer.disconnect();
  if (!done)
    throw new Error(
      `the spec's consumer read ${read} of ${messages.length} records and did not commit them all within 60 s`,
    );
});

afterAll(async () => {
  if (admin) {
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  await stopStack();
});

describe('npm run kafka', () => {
  it("finds every tool's main class on its own classpath, which holds one version of each artifact", () => {
    const { libs } = prepareKafkaTools(stackConfig(), () => undefined);
    const jars = readdirSync(libs).filter((f) => f.endsWith('.jar'));
    const classes = new Set(jars.flatMap((jar) => jarEntries(join(libs, jar))));
    for (const t of KAFKA_TOOLS)
      expect(classes.has(`${t.mainClass.replaceAll('.', '/')}.class`), `${t.name}: ${t.mainClass}`).toBe(true);
    const artifacts = jars.map((jar) => jar.replace(/-\d[\w.-]*\.jar$/, ''));
    expect(artifacts.length).toBe(new Set(artifacts).size);
    // The SLF4J 1.x binding is there, so the tools log through Log4j (at WARN) instead of warning about a missing one.
    expect(jars.some((jar) => jar.startsWith('log4j-slf4j-impl-'))).toBe(true);
  });

  it('topics --list (through the root package.json script) lists a topic just made, with no logging noise', async () => {
    const result = await run('npm', ['run', '-s', 'kafka', '--', 'topics', '--list']);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toContain(topic);
    expect(result.stderr).not.toMatch(LOGGING_NOISE);
  });

  it('consumer-groups --list and --describe show the group and its committed offsets', async () => {
    const list = await kafkaCli('consumer-groups', '--list');
    expect(list.code, list.stderr).toBe(0);
    expect(lines(list.stdout)).toContain(group);

    const describe = await kafkaCli('consumer-groups', '--describe', '--group', group);
    expect(describe.code, describe.stderr).toBe(0);
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
    const rows = lines(describe.stdout)
      .map((l) => l.split(/\s+/))
      .filter((cols) => cols[0] === group && cols[1] === topic)
      .map((cols) => cols.slice(2, 6).map(Number))
      .sort((a, b) => a[0]! - b[0]!);
    expect(rows).toEqual(Array.from({ length: PARTITIONS }, (_, p) => [p, PER_PARTITION, PER_PARTITION, 0]));
    expect(describe.stderr).not.toMatch(LOGGING_NOISE);
  });

  it('get-offsets prints the end offset of every partition', async () => {
    const result = await kafkaCli('get-offsets', '--topic', topic);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).filter(Boolean).sort()).toEqual(
      Array.from({ length: PARTITIONS }, (_, p) => `${topic}:${p}:${PER_PARTITION}`),
    );
  });

  it("configs (a tool of Kafka's core module) describes the topic's own config", async () => {
    const result = await kafkaCli('configs', '--describe', '--entity-type', 'topics', '--entity-name', topic);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Dynamic configs for topic ${topic} are:`);
    expect(result.stdout).toContain('retention.ms=86400000');
  });

  it('an unknown tool fails at once with exit code 2, naming it and listing the tools', async () => {
    const result = await kafkaCli('topic', '--list');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'error [UNKNOWN_TOOL]: "topic" is not a Kafka tool this command runs. Did you mean topics?',
    );
    for (const t of KAFKA_TOOLS) expect(result.stderr).toContain(`  ${t.name} `);
  });

  it('says so when the broker it would add does not answer, before a JVM starts', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen({ host: '127.0.0.1', port: 0 }, () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const env: NodeJS.ProcessEnv = { ...process.env, SPR_KAFKA_PORT: String(port) };
    delete env.KAFKA_BROKERS;
    const result = await run(process.execPath, [CLI, 'topics', '--list'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error [NOT_READY]: no Kafka broker answers at 127.0.0.1:${port} (the local stack's broker). Start the stack with npm run stack:up`,
    );
  });
});
