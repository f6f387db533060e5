import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { StackConfig } from './config.ts';
import { StackError } from './errors.ts';
import { findJava } from './java.ts';
import { ensureMavenArtifacts } from './maven.ts';
import { run, spawnDetached, stopProcess, tail, waitUntil } from './processes.ts';
import type { ServiceDriver, StackContext } from './service.ts';
import { KAFKA_MIN_JAVA, KAFKA_VERSION } from './versions.ts';

const STARTED_LINE = 'Kafka Server started';

const dirs = (config: StackConfig) => {
  const root = join(config.stateDir, 'kafka');
  return {
    root,
    libs: join(root, `libs-${KAFKA_VERSION}`),
    data: join(root, 'data'),
    properties: join(root, 'server.properties'),
    log4j: join(root, 'log4j2.properties'),
    log: join(root, 'kafka.log'),
  };
};

function serverProperties(config: StackConfig, dataDir: string): string {
  const { host, kafkaPort, kafkaControllerPort } = config;
  return [
    '# Written by tools/stack: a single-node KRaft broker and controller for tests and the demo.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${kafkaControllerPort}`,
    `listeners=PLAINTEXT://${host}:${kafkaPort},CONTROLLER://${host}:${kafkaControllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // One node: every internal topic has one replica.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Topics are created deliberately with their partition count (keys must not move), never on first use.
    'auto.create.topics.enable=false',
    'group.initial.rebalance.delay.ms=0',
    // Lets fencing tests use short session timeouts.
    'group.min.session.timeout.ms=1000',
    '',
  ].join('\n');
}

const LOG4J2 = [
  'status = warn',
  'appender.console.type = Console',
  'appender.console.name = STDOUT',
  'appender.console.layout.type = PatternLayout',
  'appender.console.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  // The controller and the log manager are chatty at INFO; keep the log readable.
  'logger.kafka.name = kafka',
  'logger.kafka.level = WARN',
  'logger.state.name = state.change.logger',
  'logger.state.level = WARN',
  'logger.org.name = org.apache.kafka',
  'logger.org.level = WARN',
  'logger.raft.name = kafka.server.KafkaRaftServer',
  'logger.raft.level = INFO',
  '',
].join('\n');

async function brokerAnswers(config: StackConfig): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'spr-stack-probe',
    brokers: [`${config.host}:${config.kafkaPort}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const kafkaDriver: ServiceDriver = {
  name: 'kafka',
  version: KAFKA_VERSION,
  ports: (config) => [
    { port: config.kafkaPort, envName: 'SPR_KAFKA_PORT' },
    { port: config.kafkaControllerPort, envName: 'SPR_KAFKA_CONTROLLER_PORT' },
  ],
  logFile: (config) => dirs(config).log,

  async prepare(ctx: StackContext) {
    const d = dirs(ctx.config);
    findJava('Kafka', KAFKA_MIN_JAVA, 'SPR_KAFKA_JAVA_HOME');
    mkdirSync(d.root, { recursive: true });
    ensureMavenArtifacts({
      what: `Apache Kafka ${KAFKA_VERSION}`,
      pom: join(import.meta.dirname, '..', 'maven', 'kafka', 'pom.xml'),
      goal: 'dependency:copy-dependencies',
      properties: { 'kafka.version': KAFKA_VERSION },
      target: d.libs,
      log: ctx.log,
    });
    writeFileSync(d.properties, serverProperties(ctx.config, d.data));
    writeFileSync(d.log4j, LOG4J2);
    if (!existsSync(join(d.data, 'meta.properties'))) {
      ctx.log('formatting a new KRaft data directory');
      const { java } = findJava('Kafka', KAFKA_MIN_JAVA, 'SPR_KAFKA_JAVA_HOME');
      run(
        java,
        [
          '-cp',
          `${d.libs}/*`,
          `-Dlog4j2.configurationFile=${d.log4j}`,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          clusterId(),
          '-c',
          d.properties,
        ],
        {
          what: 'formatting the Kafka data directory',
        },
      );
    }
  },

  async start(ctx: StackContext) {
    const d = dirs(ctx.config);
    const { java } = findJava('Kafka', KAFKA_MIN_JAVA, 'SPR_KAFKA_JAVA_HOME');
    if (existsSync(d.log)) renameSync(d.log, `${d.log}.1`);
    const child = spawnDetached(
      java,
      [
        `-Xms256m`,
        `-Xmx${ctx.config.kafkaHeap}`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${d.log4j}`,
        '-cp',
        `${d.libs}/*`,
        'kafka.Kafka',
        d.properties,
      ],
      { cwd: d.root, logFile: d.log },
    );
    let died: string | undefined;
    void child.exited.then((how) => (died = how));
    const ready = await waitUntil(
      async () => died !== undefined || (readLog(d.log).includes(STARTED_LINE) && (await brokerAnswers(ctx.config))),
      ctx.config.readyTimeoutMs,
      200,
    );
    if (died !== undefined) {
      throw new StackError(
        'SERVICE_DIED',
        `Kafka died while starting (${died}). Last lines of ${d.log}:\n${tail(d.log)}`,
      );
    }
    if (!ready) {
      await stopProcess(child.pid, d.properties);
      throw new StackError(
        'NOT_READY',
        `Kafka was not ready within ${ctx.config.readyTimeoutMs / 1000}s. Last lines of ${d.log}:\n${tail(d.log)}`,
      );
    }
    return { pid: child.pid, marker: d.properties };
  },

  async isReady(ctx) {
    return brokerAnswers(ctx.config);
  },

  async stop(_ctx, record) {
    return stopProcess(record.pid, record.marker);
  },
};

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** 16 random bytes in base64url; Kafka rejects ids that start with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
