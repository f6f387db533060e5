import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { endpoints, type StackConfig } from './config.ts';
import { StackError } from './errors.ts';
import { findJava } from './java.ts';
import { ensureMavenArtifacts } from './maven.ts';
import { KAFKA_MIN_JAVA, KAFKA_VERSION } from './versions.ts';

/**
 * Kafka's own command-line tools (`npm run kafka -- <tool> [args]`), run against the stack's broker. They are
 * Kafka's `bin/kafka-<tool>.sh` scripts without the scripts: the main class each one starts, on a classpath of
 * kafka-tools (and kafka_2.13 for the tools that still live in Kafka's core) resolved from Maven Central into its
 * own folder, apart from the broker's classpath.
 */
export interface KafkaTool {
  /** The name after `kafka-` in Kafka's bin/ scripts: `topics` is bin/kafka-topics.sh. */
  readonly name: string;
  readonly mainClass: string;
  readonly summary: string;
  /**
   * How the broker's address is added when the arguments name none: `before` the arguments (options of the top
   * level), `after` them (argparse tools whose subcommands hold the option), inside `--producer-props`, or not at
   * all (a tool that reads files, not a broker).
   */
  readonly bootstrap: 'before' | 'after' | 'producer-props' | 'none';
  /** Short options the tool takes for --bootstrap-server / --bootstrap-controller. */
  readonly bootstrapAliases?: readonly string[];
}

/**
 * The tools that work against a single PLAINTEXT broker, with the main classes of Kafka 4.1's bin/ scripts (each
 * checked in the jars and run). Left out: acls and delegation-tokens (the broker has no authorizer and no SASL),
 * storage (it formats data directories), jmx (the broker opens no JMX port), e2e-latency (brokers as a positional
 * argument), the verifiable-* system-test clients and the deprecated replica-verification.
 */
export const KAFKA_TOOLS: readonly KafkaTool[] = [
  {
    name: 'broker-api-versions',
    mainClass: 'org.apache.kafka.tools.BrokerApiVersionsCommand',
    summary: 'API versions the broker supports',
    bootstrap: 'before',
  },
  {
    name: 'client-metrics',
    mainClass: 'org.apache.kafka.tools.ClientMetricsCommand',
    summary: 'client metrics subscriptions',
    bootstrap: 'before',
  },
  {
    name: 'cluster',
    mainClass: 'org.apache.kafka.tools.ClusterTool',
    summary: 'cluster id, endpoints (cluster-id, list-endpoints)',
    bootstrap: 'after',
    bootstrapAliases: ['-b', '-C'],
  },
  {
    name: 'configs',
    mainClass: 'kafka.admin.ConfigCommand',
    summary: 'describe and alter topic, broker, group and client configs',
    bootstrap: 'before',
  },
  {
    name: 'console-consumer',
    mainClass: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    summary: 'read records to stdout',
    bootstrap: 'before',
  },
  {
    name: 'console-producer',
    mainClass: 'org.apache.kafka.tools.ConsoleProducer',
    summary: 'write records from stdin',
    bootstrap: 'before',
  },
  {
    name: 'console-share-consumer',
    mainClass: 'org.apache.kafka.tools.consumer.ConsoleShareConsumer',
    summary: 'read records through a share group',
    bootstrap: 'before',
  },
  {
    name: 'consumer-groups',
    mainClass: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
    summary: 'list, describe, reset offsets of, delete consumer groups',
    bootstrap: 'before',
  },
  {
    name: 'consumer-perf-test',
    mainClass: 'org.apache.kafka.tools.ConsumerPerformance',
    summary: 'consumer throughput',
    bootstrap: 'before',
  },
  {
    name: 'delete-records',
    mainClass: 'org.apache.kafka.tools.DeleteRecordsCommand',
    summary: 'delete records up to an offset',
    bootstrap: 'before',
  },
  {
    name: 'dump-log',
    mainClass: 'kafka.tools.DumpLogSegments',
    summary: "print a log segment file (the broker's data is in .spr/stack/kafka/data)",
    bootstrap: 'none',
  },
  {
    name: 'features',
    mainClass: 'org.apache.kafka.tools.FeatureCommand',
    summary: 'describe and upgrade feature levels',
    bootstrap: 'before',
  },
  {
    name: 'get-offsets',
    mainClass: 'org.apache.kafka.tools.GetOffsetShell',
    summary: 'earliest, latest or timestamp offsets of partitions',
    bootstrap: 'before',
  },
  {
    name: 'groups',
    mainClass: 'org.apache.kafka.tools.GroupsCommand',
    summary: 'list groups of every type',
    bootstrap: 'before',
  },
  {
    name: 'leader-election',
    mainClass: 'org.apache.kafka.tools.LeaderElectionCommand',
    summary: 'elect partition leaders',
    bootstrap: 'before',
  },
  {
    name: 'log-dirs',
    mainClass: 'org.apache.kafka.tools.LogDirsCommand',
    summary: 'log directory usage',
    bootstrap: 'before',
  },
  {
    name: 'metadata-quorum',
    mainClass: 'org.apache.kafka.tools.MetadataQuorumCommand',
    summary: 'KRaft quorum status',
    bootstrap: 'before',
  },
  {
    name: 'producer-perf-test',
    mainClass: 'org.apache.kafka.tools.ProducerPerformance',
    summary: 'producer throughput',
    bootstrap: 'producer-props',
  },
  {
    name: 'reassign-partitions',
    mainClass: 'org.apache.kafka.tools.reassign.ReassignPartitionsCommand',
    summary: 'move partitions between brokers and log dirs',
    bootstrap: 'before',
  },
  {
    name: 'share-groups',
    mainClass: 'org.apache.kafka.tools.consumer.group.ShareGroupCommand',
    summary: 'list, describe, reset share groups',
    bootstrap: 'before',
  },
  {
    name: 'streams-application-reset',
    mainClass: 'org.apache.kafka.tools.StreamsResetter',
    summary: 'reset a Kafka Streams application',
    bootstrap: 'before',
  },
  {
    name: 'streams-groups',
    mainClass: 'org.apache.kafka.tools.streams.StreamsGroupCommand',
    summary: 'list, describe streams groups',
    bootstrap: 'before',
  },
  {
    name: 'topics',
    mainClass: 'org.apache.kafka.tools.TopicCommand',
    summary: 'create, list, describe, alter, delete topics',
    bootstrap: 'before',
  },
  {
    name: 'transactions',
    mainClass: 'org.apache.kafka.tools.TransactionsCommand',
    summary: 'list, describe, abort transactions',
    bootstrap: 'before',
  },
];

/** `topics`, `kafka-topics` and `kafka-topics.sh` all name the topics tool. */
export function findKafkaTool(name: string): KafkaTool {
  const bare = name.replace(/\.sh$/, '').replace(/^kafka-/, '');
  const tool = KAFKA_TOOLS.find((t) => t.name === bare);
  if (!tool) {
    const near = KAFKA_TOOLS.filter((t) => bare.length > 0 && (t.name.startsWith(bare) || bare.startsWith(t.name)));
    const hint = near.length > 0 ? ` Did you mean ${near.map((t) => t.name).join(' or ')}?` : '';
    throw new StackError(
      'UNKNOWN_TOOL',
      `"${name}" is not a Kafka tool this command runs.${hint} The tools:\n${toolList()}`,
    );
  }
  return tool;
}

function toolList(): string {
  const width = Math.max(...KAFKA_TOOLS.map((t) => t.name.length));
  return KAFKA_TOOLS.map((t) => `  ${t.name.padEnd(width)}  ${t.summary}`).join('\n');
}

export function kafkaToolsUsage(): string {
  return [
    'usage: npm run kafka -- <tool> [arguments]',
    '',
    `Runs Kafka ${KAFKA_VERSION}'s command-line tool <tool> (bin/kafka-<tool>.sh) against the stack's broker, adding`,
    '--bootstrap-server from KAFKA_BROKERS, else the local stack (npm run stack:up), unless the arguments give one.',
    'For example: npm run kafka -- topics --list; npm run kafka -- consumer-groups --describe --all-groups',
    '',
    'Tools:',
    toolList(),
    '',
  ].join('\n');
}

const HELP_FLAGS = new Set(['-h', '--help', '--version']);

/**
 * The tool's arguments with the broker's address added where the tool takes it, unless the arguments already
 * name a broker or controller (any option starting with --bootstrap: the tools accept unambiguous prefixes and
 * `--option=value`) or only ask for help.
 */
export function toolArguments(
  tool: KafkaTool,
  args: readonly string[],
  bootstrapServers: string,
): { args: string[]; added: boolean } {
  const unchanged = { args: [...args], added: false };
  if (tool.bootstrap === 'none' || args.some((a) => HELP_FLAGS.has(a))) return unchanged;
  if (tool.bootstrap === 'producer-props') {
    if (args.some((a) => a.startsWith('bootstrap.servers='))) return unchanged;
    const props = args.indexOf('--producer-props');
    if (props >= 0) {
      return {
        args: [...args.slice(0, props + 1), `bootstrap.servers=${bootstrapServers}`, ...args.slice(props + 1)],
        added: true,
      };
    }
    return { args: [...args, '--producer-props', `bootstrap.servers=${bootstrapServers}`], added: true };
  }
  const aliases = new Set(tool.bootstrapAliases ?? []);
  if (args.some((a) => a.startsWith('--bootstrap') || aliases.has(a))) return unchanged;
  const option = ['--bootstrap-server', bootstrapServers];
  return { args: tool.bootstrap === 'before' ? [...option, ...args] : [...args, ...option], added: true };
}

/** KAFKA_BROKERS when set (e.g. by `eval "$(npm run -s stack:up)"`), else the local stack's broker. */
export function bootstrapServers(env: NodeJS.ProcessEnv, config: StackConfig): { servers: string; source: string } {
  const given = env.KAFKA_BROKERS?.trim();
  if (given) return { servers: given, source: 'KAFKA_BROKERS' };
  return { servers: endpoints(config).KAFKA_BROKERS, source: "the local stack's broker" };
}

function options(value: string | undefined): string[] | undefined {
  const parts = value?.trim().split(/\s+/).filter(Boolean);
  return parts && parts.length > 0 ? parts : undefined;
}

/**
 * The JVM's command line. Like Kafka's kafka-run-class.sh: a 256 MB heap unless KAFKA_HEAP_OPTS says otherwise,
 * KAFKA_JVM_PERFORMANCE_OPTS replaces the defaults (here: quick start-up, which a short command needs more than
 * peak speed), KAFKA_OPTS adds to them.
 */
export function javaArguments(o: {
  libs: string;
  log4j: string;
  mainClass: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
}): string[] {
  return [
    ...(options(o.env.KAFKA_HEAP_OPTS) ?? ['-Xmx256m']),
    ...(options(o.env.KAFKA_JVM_PERFORMANCE_OPTS) ?? ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']),
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${o.log4j}`,
    ...(options(o.env.KAFKA_OPTS) ?? []),
    '-cp',
    `${o.libs}/*`,
    o.mainClass,
    ...o.args,
  ];
}

/** Warnings and errors only, on stderr, so stdout carries nothing but the tool's own output. */
export const TOOLS_LOG4J2 = [
  '# Written by tools/stack: the logging of Kafka command-line tools (npm run kafka).',
  'status = warn',
  'appender.stderr.type = Console',
  'appender.stderr.name = STDERR',
  'appender.stderr.target = SYSTEM_ERR',
  'appender.stderr.layout.type = PatternLayout',
  'appender.stderr.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.stderr.ref = STDERR',
  '',
].join('\n');

export function kafkaToolsDirs(config: StackConfig): { libs: string; log4j: string } {
  const root = join(config.stateDir, 'kafka');
  return { libs: join(root, `tools-${KAFKA_VERSION}`), log4j: join(root, 'tools-log4j2.properties') };
}

/** Downloads the tools' classpath on first use (Maven, cached in ~/.m2) and writes their logging config. */
export function prepareKafkaTools(config: StackConfig, log: (line: string) => void): { libs: string; log4j: string } {
  const dirs = kafkaToolsDirs(config);
  mkdirSync(join(config.stateDir, 'kafka'), { recursive: true });
  ensureMavenArtifacts({
    what: `the Apache Kafka ${KAFKA_VERSION} command-line tools`,
    pom: join(import.meta.dirname, '..', 'maven', 'kafka-tools', 'pom.xml'),
    goal: 'dependency:copy-dependencies',
    properties: { 'kafka.version': KAFKA_VERSION },
    target: dirs.libs,
    log,
  });
  if (!existsSync(dirs.log4j) || readFileSync(dirs.log4j, 'utf8') !== TOOLS_LOG4J2)
    writeFileSync(dirs.log4j, TOOLS_LOG4J2);
  return dirs;
}

/** True when a TCP connection to the first `host:port` of `servers` opens within `timeoutMs`. */
async function answers(servers: string, timeoutMs = 3_000): Promise<boolean> {
  const match = /^\s*(.+):(\d+)\s*$/.exec(servers.split(',')[0] ?? '');
  if (!match) return true; // not host:port; let the tool say what it makes of it
  return new Promise((resolve) => {
    const socket = connect({ host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface RunKafkaToolOptions {
  readonly config: StackConfig;
  readonly env?: NodeJS.ProcessEnv;
  /** Where relative paths in the arguments resolve; `npm run` moves to the workspace root, INIT_CWD is where it was typed. */
  readonly cwd?: string;
  readonly log?: (line: string) => void;
}

/**
 * Runs `argv` (`<tool> [args]`) with the terminal attached (stdin for console-producer, Ctrl-C for
 * console-consumer) and resolves with its exit code. A wrong tool name or a broker that does not answer fails
 * before a JVM starts.
 */
export async function runKafkaTool(argv: readonly string[], o: RunKafkaToolOptions): Promise<number> {
  const env = o.env ?? process.env;
  const log = o.log ?? (() => undefined);
  const [name, ...rest] = argv;
  if (name === undefined || HELP_FLAGS.has(name) || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(kafkaToolsUsage());
    return name === undefined ? 2 : 0;
  }
  const tool = findKafkaTool(name);
  const { servers, source } = bootstrapServers(env, o.config);
  const { args, added } = toolArguments(tool, rest, servers);
  if (added && !(await answers(servers))) {
    throw new StackError(
      'NOT_READY',
      `no Kafka broker answers at ${servers} (${source}). ` +
        (source === 'KAFKA_BROKERS'
          ? 'Check KAFKA_BROKERS, or unset it to use the local stack.'
          : 'Start the stack with npm run stack:up, or set KAFKA_BROKERS.'),
    );
  }
  const { java } = findJava('The Kafka command-line tools', KAFKA_MIN_JAVA, 'SPR_KAFKA_JAVA_HOME', env);
  const dirs = prepareKafkaTools(o.config, log);
  return new Promise((resolve, reject) => {
    const child = spawn(java, javaArguments({ ...dirs, mainClass: tool.mainClass, args, env }), {
      cwd: o.cwd,
      env,
      stdio: 'inherit',
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.once('error', (error) =>
      reject(new StackError('SERVICE_DIED', `could not start ${java}: ${error.message}`, { cause: error })),
    );
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
