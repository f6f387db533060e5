/**
 * The TypeScript partitioner against Kafka's Java client itself (tools/java-partitioner-check, kafka-clients on
 * the broker's version): thousands of seeded random keys, every one hashed and partitioned by both, compared
 * one by one. Needs a JDK 17+ and Maven (dependencies come from ~/.m2 or Maven Central).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compositeKey } from './composite-key.ts';
import { murmur2, partitionFor, partitionForBytes, toPositive } from './partitioner.ts';

const CHECK_DIR = fileURLToPath(new URL('../../../tools/java-partitioner-check/', import.meta.url));
const SEED = 0x5eed_4a7a;
const PARTITION_COUNTS = [1, 3, 6, 12, 100, 1000] as const;
const MIN_KEYS = 10_000;
const SHOWN_MISMATCHES = 10;

type CodePointRange = readonly [from: number, to: number];

const ASCII: CodePointRange[] = [[0x20, 0x7e]];
const LATIN1: CodePointRange[] = [
  [0x20, 0x7e],
  [0xa0, 0xff],
];
const CJK: CodePointRange[] = [
  [0x4e00, 0x9fff],
  [0x3040, 0x30ff],
  [0xac00, 0xd7a3],
];
const EMOJI: CodePointRange[] = [
  [0x1f300, 0x1faff],
  [0x2600, 0x27bf],
  [0x200d, 0x200d],
  [0xfe0f, 0xfe0f],
];
/** Everything a well-formed string can hold: controls, the rest of the BMP around the surrogates, the astral planes. */
const ANY: CodePointRange[] = [
  [0x0, 0x7f],
  [0x80, 0x7ff],
  [0x800, 0xd7ff],
  [0xe000, 0xffff],
  [0x10000, 0x10ffff],
];

/** One key as the TypeScript side routes it (a string as UTF-8, or raw bytes) and as the Java side receives it. */
interface Case {
  readonly kind: string;
  readonly show: string;
  readonly bytes: Uint8Array;
  readonly partition: (partitionCount: number) => number;
}

interface JavaAnswer {
  readonly hash: number;
  readonly partition: number;
}

const cases = generateCases(SEED);
let answers: JavaAnswer[];

beforeAll(() => {
  answers = runJavaCheck(cases);
});

describe('partitioner against kafka-clients (Java)', () => {
  it(
    `hashes and partitions ${cases.length} keys like the Java producer, ` +
      `for ${PARTITION_COUNTS.join(', ')} partitions`,
    () => {
      expect(cases.length).toBeGreaterThanOrEqual(MIN_KEYS);
      expect(answers).toHaveLength(cases.length * PARTITION_COUNTS.length);

      const mismatches: string[] = [];
      let compared = 0;
      cases.forEach((c, i) => {
        const hash = murmur2(c.bytes);
        PARTITION_COUNTS.forEach((n, j) => {
          const java = answers[i * PARTITION_COUNTS.length + j]!;
          const partition = c.partition(n);
          compared++;
          if (java.hash !== hash || java.partition !== partition) {
            mismatches.push(
              `${c.kind} key ${c.show} with ${n} partitions: Java murmur2=${java.hash} partition=${java.partition}, ` +
                `TypeScript murmur2=${hash} partition=${partition}`,
            );
          }
        });
      });

      expect(compared).toBe(cases.length * PARTITION_COUNTS.length);
      const firstMismatches = mismatches.slice(0, SHOWN_MISMATCHES).join('\n');
      const report =
        `${mismatches.length} of ${compared} comparisons differ (seed 0x${SEED.toString(16)}); ` +
        `the first:\n${firstMismatches}`;
      expect(mismatches.length, report).toBe(0);
    },
  );

  it('covers every kind of key and every tail length of the hash', () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['ascii', 'bytes', 'cjk', 'composite', 'edge', 'emoji', 'latin1', 'mixed']);
    const tails = new Set(cases.map((c) => c.bytes.length % 4));
    expect(tails.size).toBe(4);
  });

  it('would catch a partitioner that is subtly wrong (Math.abs instead of toPositive)', () => {
    let differing = 0;
    cases.forEach((c, i) => {
      const java = answers[i * PARTITION_COUNTS.length + PARTITION_COUNTS.indexOf(1000)]!;
      const wrong = Math.abs(murmur2(c.bytes)) % 1000;
      if (wrong !== java.partition) differing++;
      expect(toPositive(java.hash) % 1000).toBe(java.partition);
    });
    expect(differing).toBeGreaterThan(cases.length / 3);
  });
});

/** Builds the Java program (incrementally; dependencies cached in ~/.m2) and runs it once over every case. */
function runJavaCheck(all: readonly Case[]): JavaAnswer[] {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  requireCommand(
    java,
    ['-version'],
    'a Java 17+ runtime (java) is needed to run tools/java-partitioner-check; ' +
      'install a JDK (apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME',
  );
  requireCommand(
    'mvn',
    ['-v'],
    'Maven (mvn) is needed to build tools/java-partitioner-check; install it (apt-get install -y maven)',
  );

  const build = spawnSync('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', join(CHECK_DIR, 'pom.xml'), 'compile'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (build.status !== 0) {
    throw new Error(
      `building tools/java-partitioner-check with Maven failed (exit ${build.status}):\n` +
        tail(`${build.stdout}${build.stderr}`),
    );
  }
  const classes = join(CHECK_DIR, 'target', 'classes');
  const dependencies = readFileSync(join(CHECK_DIR, 'target', 'classpath.txt'), 'utf8').trim();
  const classpath = `${classes}:${dependencies}`;

  const input = all
    .flatMap((c) => PARTITION_COUNTS.map((n) => `${n}\t${Buffer.from(c.bytes).toString('base64')}\n`))
    .join('');
  const run = spawnSync(java, ['-cp', classpath, 'dev.spr.PartitionerCheck'], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error || run.status !== 0) {
    throw new Error(
      `running dev.spr.PartitionerCheck failed (${run.error?.message ?? `exit ${run.status}`}):\n` +
        tail(run.stderr ?? ''),
      { cause: run.error },
    );
  }
  return run.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, i) => {
      const match = /^(-?\d+)\t(\d+)$/.exec(line);
      if (!match)
        throw new Error(`dev.spr.PartitionerCheck printed an unexpected line ${i + 1}: ${JSON.stringify(line)}`);
      return { hash: Number(match[1]), partition: Number(match[2]) };
    });
}

function requireCommand(command: string, args: readonly string[], missing: string): void {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  if (result.error) throw new Error(`${missing} (${result.error.message})`, { cause: result.error });
}

function tail(output: string, lines = 30): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

// --- Keys ---------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failure reproduces from the seed in its message. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateCases(seed: number): Case[] {
  const random = prng(seed);
  const int = (from: number, to: number): number => from + Math.floor(random() * (to - from + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const text = (ranges: readonly CodePointRange[], length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) {
      const [from, to] = pick(ranges);
      out += String.fromCodePoint(int(from, to));
    }
    return out;
  };
  const uuid = (): string => {
    const hex = Array.from({ length: 32 }, () => int(0, 15).toString(16)).join('');
    const variant = pick(['8', '9', 'a', 'b']);
    return (
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-` +
      `${variant}${hex.slice(17, 20)}-${hex.slice(20)}`
    );
  };

  const cases: Case[] = [];
  const addString = (kind: string, key: string): void => {
    cases.push({
      kind,
      show: JSON.stringify(key),
      bytes: Buffer.from(key, 'utf8'),
      partition: (n) => partitionFor(key, n),
    });
  };
  const addBytes = (bytes: Uint8Array): void => {
    cases.push({
      kind: 'bytes',
      show: `0x${Buffer.from(bytes).toString('hex')}`,
      bytes,
      partition: (n) => partitionForBytes(bytes, n),
    });
  };

  // Every length from 0 to 9 of each kind of character covers every tail of the hash, with and without blocks.
  for (const unit of ['a', 'é', '€', '日', '😀', '\u0000', '\u007f', '\uffff', '\u{10ffff}', ':']) {
    for (let length = 0; length <= 9; length++) addString('edge', unit.repeat(length));
  }
  for (const key of [
    ' ',
    '  ',
    '\t',
    '\n',
    '\r\n',
    'payment:',
    ':payment',
    'a:b:c',
    '\ufeff',
    'e\u0301',
    '👩‍💻',
    '🇪🇺',
    'x'.repeat(512),
    '😀'.repeat(128),
    '日'.repeat(1000),
  ]) {
    addString('edge', key);
  }
  for (let i = 0; i < 1500; i++) addString('ascii', text(ASCII, int(0, 64)));
  for (let i = 0; i < 1500; i++) addString('latin1', text(LATIN1, int(0, 48)));
  for (let i = 0; i < 1500; i++) addString('cjk', text(CJK, int(0, 32)));
  for (let i = 0; i < 1500; i++) addString('emoji', text(EMOJI, int(0, 24)));
  for (let i = 0; i < 2000; i++) addString('mixed', text(ANY, int(0, 40)));
  const entityTypes = ['payment', 'ledger.account', 'order_v2', 'x', 'fx-rate'];
  for (let i = 0; i < 2000; i++) {
    const entityId = i % 4 === 3 ? text([...LATIN1, ...CJK, ...EMOJI], int(1, 20)).trim() || 'id' : uuid();
    addString('composite', compositeKey({ entityType: pick(entityTypes), entityId }));
  }
  // Raw bytes, most of them not UTF-8: a Buffer key is hashed as it is.
  for (let i = 0; i < 1000; i++) addBytes(Uint8Array.from({ length: int(0, 40) }, () => int(0, 255)));
  return cases;
}
