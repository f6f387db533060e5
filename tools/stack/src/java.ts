import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.ts';

export interface JavaRuntime {
  readonly java: string;
  readonly major: number;
}

const JVM_DIR = '/usr/lib/jvm';

function majorOf(javaHome: string): number | undefined {
  const release = join(javaHome, 'release');
  if (existsSync(release)) {
    const match = /JAVA_VERSION="(\d+)(?:\.(\d+))?/.exec(readFileSync(release, 'utf8'));
    if (match) return match[1] === '1' ? Number(match[2]) : Number(match[1]);
  }
  const result = spawnSync(join(javaHome, 'bin', 'java'), ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr ?? '');
  if (!match) return undefined;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function homeOfPathJava(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' });
  const path = which.stdout?.trim();
  if (!path) return undefined;
  return join(realpathSync(path), '..', '..');
}

function candidates(preferred: readonly (string | undefined)[]): string[] {
  const homes: string[] = [];
  for (const home of preferred) if (home) homes.push(home);
  const onPath = homeOfPathJava();
  if (onPath) homes.push(onPath);
  if (existsSync(JVM_DIR)) {
    for (const entry of readdirSync(JVM_DIR)) homes.push(join(JVM_DIR, entry));
  }
  const seen = new Set<string>();
  return homes.filter((home) => {
    if (!existsSync(join(home, 'bin', 'java'))) return false;
    const real = realpathSync(home);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

/**
 * Finds a Java runtime of at least `minMajor`. An explicit `envName` (a JAVA_HOME for this service) wins;
 * then JAVA_HOME, the `java` on PATH, and the JDKs under /usr/lib/jvm, preferring the lowest version that
 * fits (the one the service was built and tested for).
 */
export function findJava(
  service: string,
  minMajor: number,
  envName: string,
  env: NodeJS.ProcessEnv = process.env,
): JavaRuntime {
  const explicit = env[envName];
  if (explicit) {
    const major = majorOf(explicit);
    if (major === undefined || major < minMajor) {
      throw new StackError(
        'JAVA_MISSING',
        `${envName}=${explicit} is not a Java ${minMajor}+ home (found ${major ?? 'no java'}); ${service} needs Java ${minMajor} or newer`,
      );
    }
    return { java: join(explicit, 'bin', 'java'), major };
  }
  const fitting = candidates([env.JAVA_HOME])
    .map((home) => ({ home, major: majorOf(home) }))
    .filter((c): c is { home: string; major: number } => c.major !== undefined && c.major >= minMajor)
    .sort((a, b) => a.major - b.major);
  const best = fitting[0];
  if (!best) {
    throw new StackError(
      'JAVA_MISSING',
      `${service} needs Java ${minMajor} or newer and none was found (looked at JAVA_HOME, PATH and ${JVM_DIR}). ` +
        `Install a JDK ${minMajor}+ (for example apt-get install openjdk-17-jdk-headless for Java 17) or point ${envName} at one.`,
    );
  }
  return { java: join(best.home, 'bin', 'java'), major: best.major };
}
