import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StackError } from './errors.ts';
import { commandExists, run } from './processes.ts';

function assertMaven(): void {
  if (!commandExists('mvn')) {
    throw new StackError(
      'MAVEN_MISSING',
      'Maven (mvn) is not on PATH; the stack downloads Kafka and Apicurio from Maven Central with it. Install it (apt-get install -y maven).',
    );
  }
}

/**
 * Resolves the artifacts of `pom` with a Maven goal into `target` once. The folder is filled under a temporary
 * name of this process and renamed when complete, with a stamp of what it holds, so an interrupted download is
 * never mistaken for a finished one, a version change downloads again, and two processes downloading at once (two
 * `npm run kafka` on a fresh machine) do not write into one folder.
 */
export function ensureMavenArtifacts(options: {
  what: string;
  pom: string;
  goal: 'dependency:copy-dependencies' | 'dependency:unpack-dependencies';
  properties: Record<string, string>;
  target: string;
  log: (line: string) => void;
}): void {
  const stamp = JSON.stringify({
    goal: options.goal,
    pom: readFileSync(options.pom, 'utf8'),
    properties: options.properties,
  });
  const stampFile = join(options.target, '.complete');
  const complete = () => existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
  if (complete()) return;

  assertMaven();
  options.log(`downloading ${options.what} from Maven Central (cached in ~/.m2 afterwards)`);
  removeAbandonedPartials(options.target);
  const partial = `${options.target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const props = Object.entries(options.properties).map(([k, v]) => `-D${k}=${v}`);
  try {
    // Markers inside the partial folder: the plugin must not skip unpacking because of an earlier run's markers.
    const markers = `-DmarkersDirectory=${join(partial, '.markers')}`;
    run(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        options.pom,
        options.goal,
        `-DoutputDirectory=${partial}`,
        markers,
        '-DincludeScope=runtime',
        ...props,
      ],
      {
        what: `downloading ${options.what} with Maven`,
        code: 'DOWNLOAD_FAILED',
      },
    );
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  if (complete()) {
    // Another process finished the same download meanwhile (and may be using it): keep its folder.
    rmSync(partial, { recursive: true, force: true });
    return;
  }
  writeFileSync(join(partial, '.complete'), stamp);
  rmSync(options.target, { recursive: true, force: true });
  renameSync(partial, options.target);
}

/** Removes the temporary folders of downloads whose process is gone (interrupted, killed). */
function removeAbandonedPartials(target: string): void {
  const parent = dirname(target);
  if (!existsSync(parent)) return;
  const prefix = `${basename(target)}.partial`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length + 1));
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
