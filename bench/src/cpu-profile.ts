/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof`) that the summary reads. */
export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileEntry {
  /** `file:function` (file relative to the workspace, or the package path inside node_modules). */
  readonly name: string;
  readonly selfMs: number;
  /** Share of the busy time (everything but idle). */
  readonly selfPct: number;
}

export interface ProfileSummary {
  /** The time the summary covers (the drain window when one is given, else the whole profile). */
  readonly durationMs: number;
  readonly busyMs: number;
  readonly idlePct: number;
  /** The functions with the most self time. */
  readonly top: readonly ProfileEntry[];
  /** Self time by package or library: kafkajs, pg, avsc, @spr/consumer-runtime, node internals, GC… */
  readonly byArea: readonly ProfileEntry[];
}

/** Only samples taken between `fromEndUs` and `toEndUs` microseconds before the profile's end (the drain). */
export interface ProfileWindow {
  readonly fromEndUs: number;
  readonly toEndUs: number;
}

const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** A frame's file, relative to the workspace; node_modules paths keep only the package part. */
export function frameFile(url: string, workspaceRoot: string): string {
  if (!url) return '';
  let path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const root = workspaceRoot.endsWith('/') ? workspaceRoot : `${workspaceRoot}/`;
  if (path.startsWith(root)) path = path.slice(root.length);
  return path;
}

/** The package or library a file belongs to. */
export function frameArea(file: string, functionName: string): string {
  if (!file) return SPECIAL.has(functionName) ? functionName : '(native)';
  if (file.startsWith('node:')) return 'node internals';
  const lib = /^(libs|apps|tools)\/([^/]+)\//.exec(file);
  if (lib) return `@spr/${lib[2]}`;
  const pkg = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(file);
  return pkg ? pkg[1]! : file;
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Self time per function and per area, from the samples: each sample's time delta is charged to the node it
 * sampled. Anonymous functions are told apart by their line.
 */
export function summariseCpuProfile(
  profile: CpuProfile,
  workspaceRoot: string,
  options: { readonly topN?: number; readonly window?: ProfileWindow } = {},
): ProfileSummary {
  const topN = options.topN ?? 15;
  const from = options.window ? profile.endTime - options.window.fromEndUs : Number.NEGATIVE_INFINITY;
  const to = options.window ? profile.endTime - options.window.toEndUs : Number.POSITIVE_INFINITY;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<string, number>();
  const areaUs = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < from || at > to) continue;
    const frame = byId.get(samples[i]!);
    const us = Math.max(0, deltas[i] ?? 0);
    totalUs += us;
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const file = frameFile(frame.url, workspaceRoot);
    const fn = frame.functionName || (file ? `(anonymous@${frame.lineNumber + 1})` : '(anonymous, no script)');
    const name = file ? `${file}:${fn}` : fn;
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    const area = frameArea(file, frame.functionName);
    areaUs.set(area, (areaUs.get(area) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const entries = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: round(us / 1000), selfPct: busyUs > 0 ? round((us / busyUs) * 100) : 0 }));
  return {
    durationMs: round(totalUs / 1000),
    busyMs: round(busyUs / 1000),
    idlePct: totalUs > 0 ? round((idleUs / totalUs) * 100) : 0,
    top: entries(selfUs, topN),
    byArea: entries(areaUs, 12),
  };
}
