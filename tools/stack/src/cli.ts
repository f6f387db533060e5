#!/usr/bin/env node
/**
 * `npm run stack:up | stack:down | stack:status`. Progress goes to stderr; stdout of `up` and `status` carries only
 * three `export NAME=value` lines (values shell-quoted), so `eval "$(npm run -s stack:up)"` exports
 * KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL to the shell and the commands it runs next.
 */
import { formatEndpoints } from './config.ts';
import { StackError } from './errors.ts';
import { stackDown, stackStatus, stackUp, type StackReport } from './stack.ts';

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);

function printStatus(report: StackReport): void {
  for (const s of report.services) {
    const pid = s.pid ? ` pid ${s.pid}` : '';
    log(`${s.name.padEnd(9)}${s.state.padEnd(10)}${s.version.padEnd(8)}127.0.0.1:${s.port}${pid}`);
  }
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const report = await stackUp({ log });
      process.stdout.write(formatEndpoints(report.endpoints));
      return 0;
    }
    case 'down':
      await stackDown({ log });
      return 0;
    case 'status': {
      const report = await stackStatus({ log });
      printStatus(report);
      process.stdout.write(formatEndpoints(report.endpoints));
      return report.services.every((s) => s.state === 'running') ? 0 : 3;
    }
    default:
      process.stderr.write('usage: stack <up|down|status>\n');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof StackError) {
      log(`error [${error.code}]: ${error.message}`);
    } else {
      log(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    process.exit(1);
  },
);
