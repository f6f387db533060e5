import { describe, expect, it } from 'vitest';
import { frameArea, frameFile, summariseCpuProfile, type CpuProfile } from './cpu-profile.ts';

const frame = (id: number, functionName: string, url = '', lineNumber = 0) => ({
  id,
  callFrame: { functionName, url, lineNumber },
});

describe('summariseCpuProfile', () => {
  const profile: CpuProfile = {
    nodes: [
      frame(1, '(root)'),
      frame(2, '(idle)'),
      frame(3, 'processChunk', 'file:///repo/libs/consumer-runtime/src/chunk-processor.ts', 70),
      frame(4, 'escapeElement', 'file:///repo/node_modules/pg/lib/utils.js', 10),
      frame(5, '', 'file:///repo/node_modules/kafkajs/src/protocol/decoder.js', 41),
      frame(6, '(garbage collector)'),
    ],
    startTime: 0,
    endTime: 1_000_000,
    samples: [2, 3, 3, 4, 5, 6, 2],
    timeDeltas: [100_000, 200_000, 200_000, 100_000, 100_000, 100_000, 200_000],
  };

  it('charges each sample to its function, by file:function, as a share of the busy time', () => {
    const summary = summariseCpuProfile(profile, '/repo');
    expect(summary.busyMs).toBe(700);
    expect(summary.idlePct).toBe(30);
    expect(summary.top[0]).toEqual({
      name: 'libs/consumer-runtime/src/chunk-processor.ts:processChunk',
      selfMs: 400,
      selfPct: 57.1,
    });
    expect(summary.top.map((e) => e.name)).toContain('kafkajs/src/protocol/decoder.js:(anonymous@42)');
    expect(summary.byArea.map((a) => a.name)).toEqual([
      '@spr/consumer-runtime',
      'pg',
      'kafkajs',
      '(garbage collector)',
    ]);
  });

  it('keeps only the samples of a window counted back from the end', () => {
    // Samples at 100, 300, 500, 600, 700, 800, 1000 ms; the window is 400..800 ms.
    const summary = summariseCpuProfile(profile, '/repo', { window: { fromEndUs: 600_000, toEndUs: 200_000 } });
    expect(summary.durationMs).toBe(500);
    expect(summary.top.map((e) => e.name)).toEqual([
      'libs/consumer-runtime/src/chunk-processor.ts:processChunk',
      'pg/lib/utils.js:escapeElement',
      'kafkajs/src/protocol/decoder.js:(anonymous@42)',
      '(garbage collector)',
    ]);
  });

  it('names files relative to the workspace or by package', () => {
    expect(frameFile('file:///repo/apps/x/src/main.ts', '/repo')).toBe('apps/x/src/main.ts');
    expect(frameFile('file:///repo/node_modules/@kafkajs/confluent-schema-registry/dist/x.js', '/repo')).toBe(
      '@kafkajs/confluent-schema-registry/dist/x.js',
    );
    expect(frameArea('@kafkajs/confluent-schema-registry/dist/x.js', 'f')).toBe('@kafkajs/confluent-schema-registry');
    expect(frameArea('node:internal/streams/writable', 'f')).toBe('node internals');
    expect(frameArea('', 'writev')).toBe('(native)');
  });
});
