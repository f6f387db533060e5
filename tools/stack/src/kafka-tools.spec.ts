import { describe, expect, it } from 'vitest';
import { stackConfig } from './config.ts';
import { StackError } from './errors.ts';
import {
  bootstrapServers,
  findKafkaTool,
  javaArguments,
  KAFKA_TOOLS,
  kafkaToolsDirs,
  kafkaToolsUsage,
  TOOLS_LOG4J2,
  toolArguments,
} from './kafka-tools.ts';

const BROKER = '127.0.0.1:19092';
const tool = (name: string) => findKafkaTool(name);

describe('findKafkaTool', () => {
  it.each([
    ['consumer-groups', 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand'],
    ['topics', 'org.apache.kafka.tools.TopicCommand'],
    ['console-consumer', 'org.apache.kafka.tools.consumer.ConsoleConsumer'],
    ['console-producer', 'org.apache.kafka.tools.ConsoleProducer'],
    ['get-offsets', 'org.apache.kafka.tools.GetOffsetShell'],
    ['configs', 'kafka.admin.ConfigCommand'],
    ['dump-log', 'kafka.tools.DumpLogSegments'],
  ])('maps %s to %s', (name, mainClass) => {
    expect(tool(name).mainClass).toBe(mainClass);
  });

  it("takes the names of Kafka's bin scripts too", () => {
    expect(tool('kafka-topics')).toBe(tool('topics'));
    expect(tool('kafka-consumer-groups.sh')).toBe(tool('consumer-groups'));
  });

  it('rejects an unknown name, naming it, suggesting a near one and listing every tool', () => {
    let error: unknown;
    try {
      tool('topic');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).code).toBe('UNKNOWN_TOOL');
    const message = (error as StackError).message;
    expect(message).toContain('"topic" is not a Kafka tool');
    expect(message).toContain('Did you mean topics?');
    for (const t of KAFKA_TOOLS)
      expect(message).toMatch(new RegExp(`^  ${t.name} +${t.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(() => tool('storage')).toThrowError(/"storage" is not a Kafka tool this command runs\. The tools:/);
  });

  it('has one entry per name and per main class', () => {
    expect(new Set(KAFKA_TOOLS.map((t) => t.name)).size).toBe(KAFKA_TOOLS.length);
    expect(new Set(KAFKA_TOOLS.map((t) => t.mainClass)).size).toBe(KAFKA_TOOLS.length);
  });

  it('usage names the command, the bootstrap rule and every tool', () => {
    const usage = kafkaToolsUsage();
    expect(usage).toContain('usage: npm run kafka -- <tool> [arguments]');
    expect(usage).toContain('KAFKA_BROKERS');
    for (const t of KAFKA_TOOLS) expect(usage).toContain(`  ${t.name} `);
  });
});

describe('toolArguments', () => {
  it('puts --bootstrap-server first when the arguments name no broker', () => {
    expect(toolArguments(tool('consumer-groups'), ['--describe', '--all-groups'], BROKER)).toEqual({
      args: ['--bootstrap-server', BROKER, '--describe', '--all-groups'],
      added: true,
    });
    // argparse tools with subcommands take it before the subcommand
    expect(toolArguments(tool('metadata-quorum'), ['describe', '--status'], BROKER).args).toEqual([
      '--bootstrap-server',
      BROKER,
      'describe',
      '--status',
    ]);
  });

  it('puts it after the subcommand for the cluster tool, whose subcommands hold the option', () => {
    expect(toolArguments(tool('cluster'), ['cluster-id'], BROKER).args).toEqual([
      'cluster-id',
      '--bootstrap-server',
      BROKER,
    ]);
  });

  it.each([
    [['--bootstrap-server', 'other:9092', '--list']],
    [['--list', '--bootstrap-server=other:9092']],
    [['--list', '--bootstrap', 'other:9092']], // an unambiguous prefix, which the tools accept
    [['--bootstrap-controller', 'other:9093', '--describe']],
    [['--help']],
    [['--version']],
  ])('leaves %j as given', (args) => {
    expect(toolArguments(tool('topics'), args, BROKER)).toEqual({ args, added: false });
  });

  it("honours a tool's short options for the broker", () => {
    expect(toolArguments(tool('cluster'), ['cluster-id', '-b', 'other:9092'], BROKER).added).toBe(false);
    expect(toolArguments(tool('cluster'), ['cluster-id', '-C', 'other:9093'], BROKER).added).toBe(false);
  });

  it('adds nothing to a tool that reads files rather than a broker', () => {
    expect(toolArguments(tool('dump-log'), ['--files', 'x.log'], BROKER)).toEqual({
      args: ['--files', 'x.log'],
      added: false,
    });
  });

  it('gives producer-perf-test the broker as a producer property', () => {
    const base = ['--topic', 't', '--num-records', '10', '--record-size', '10', '--throughput', '-1'];
    expect(toolArguments(tool('producer-perf-test'), base, BROKER).args).toEqual([
      ...base,
      '--producer-props',
      `bootstrap.servers=${BROKER}`,
    ]);
    expect(toolArguments(tool('producer-perf-test'), [...base, '--producer-props', 'acks=all'], BROKER).args).toEqual([
      ...base,
      '--producer-props',
      `bootstrap.servers=${BROKER}`,
      'acks=all',
    ]);
    const given = [...base, '--producer-props', 'bootstrap.servers=other:9092'];
    expect(toolArguments(tool('producer-perf-test'), given, BROKER)).toEqual({ args: given, added: false });
  });
});

describe('bootstrapServers', () => {
  const config = stackConfig({ SPR_KAFKA_PORT: '29092' }, '/ws');

  it('takes KAFKA_BROKERS when set', () => {
    expect(bootstrapServers({ KAFKA_BROKERS: 'a:1,b:2' }, config)).toEqual({
      servers: 'a:1,b:2',
      source: 'KAFKA_BROKERS',
    });
  });

  it("else the local stack's broker, on its configured port", () => {
    expect(bootstrapServers({ KAFKA_BROKERS: ' ' }, config).servers).toBe('127.0.0.1:29092');
    expect(bootstrapServers({}, config).source).toBe("the local stack's broker");
  });
});

describe('javaArguments', () => {
  const dirs = kafkaToolsDirs(stackConfig({}, '/ws'));
  const base = {
    ...dirs,
    mainClass: 'org.apache.kafka.tools.TopicCommand',
    args: ['--bootstrap-server', BROKER, '--list'],
  };

  it("uses the tools' own classpath and logging, apart from the broker's", () => {
    expect(dirs).toEqual({
      libs: '/ws/.spr/stack/kafka/tools-4.1.2',
      log4j: '/ws/.spr/stack/kafka/tools-log4j2.properties',
    });
    const argv = javaArguments({ ...base, env: {} });
    expect(argv.slice(-6)).toEqual([
      '-cp',
      '/ws/.spr/stack/kafka/tools-4.1.2/*',
      'org.apache.kafka.tools.TopicCommand',
      '--bootstrap-server',
      BROKER,
      '--list',
    ]);
    expect(argv).toContain('-Dlog4j2.configurationFile=/ws/.spr/stack/kafka/tools-log4j2.properties');
    expect(argv).toContain('-Xmx256m');
  });

  it("takes Kafka's KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS and KAFKA_OPTS", () => {
    const argv = javaArguments({
      ...base,
      env: { KAFKA_HEAP_OPTS: '-Xmx1g', KAFKA_JVM_PERFORMANCE_OPTS: '-XX:+UseG1GC', KAFKA_OPTS: ' -Dx=1  -Dy=2 ' },
    });
    expect(argv.slice(0, argv.indexOf('-cp'))).toEqual([
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      '-Dlog4j2.configurationFile=/ws/.spr/stack/kafka/tools-log4j2.properties',
      '-Dx=1',
      '-Dy=2',
    ]);
  });
});

describe('TOOLS_LOG4J2', () => {
  it('logs warnings and errors only, to stderr', () => {
    expect(TOOLS_LOG4J2).toMatch(/^rootLogger\.level = WARN$/m);
    expect(TOOLS_LOG4J2).toMatch(/^appender\.stderr\.target = SYSTEM_ERR$/m);
    expect(TOOLS_LOG4J2).not.toMatch(/STDOUT|SYSTEM_OUT/);
  });
});
