#!/usr/bin/env node
/**
 * `npm run kafka -- <tool> [args]`: Kafka's own command-line tools against the stack's broker, e.g.
 * `npm run kafka -- topics --list` or `npm run kafka -- consumer-groups --describe --all-groups`. The tool's output
 * goes to stdout and stderr unchanged; this command's own lines go to stderr, prefixed `[kafka]`.
 */
import { stackConfig } from './config.ts';
import { StackError } from './errors.ts';
import { runKafkaTool } from './kafka-tools.ts';

const log = (line: string) => process.stderr.write(`[kafka] ${line}\n`);

async function main(): Promise<number> {
  return runKafkaTool(process.argv.slice(2), {
    config: stackConfig(),
    cwd: process.env.INIT_CWD ?? process.cwd(),
    log,
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof StackError) {
      log(`error [${error.code}]: ${error.message}`);
      process.exit(error.code === 'UNKNOWN_TOOL' ? 2 : 1);
    }
    log(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
