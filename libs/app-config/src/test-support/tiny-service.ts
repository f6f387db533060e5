/**
 * A tiny service run by run-service.spec.ts as a real process. TINY_MODE picks how it ends: `run` serves until
 * stopped (a stop step that takes TINY_STOP_MS), `crash` fails while running, `config` has a bad setting, `job`
 * finishes with TINY_JOB_CODE.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readEnv, runService, shutdownTimeoutMsFromEnv } from '../index.ts';

const line = (level: string) => (fields: object, message: string) =>
  process.stdout.write(`${JSON.stringify({ level, message, ...fields })}\n`);
const logger = { info: line('info'), error: line('error'), fatal: line('fatal') };

void runService(
  async (service) => {
    const config = readEnv(process.env, (e) => ({
      mode: e.oneOf('TINY_MODE', ['run', 'crash', 'config', 'job'] as const, 'run'),
      stopMs: e.int('TINY_STOP_MS', 0, { min: 0 }),
      jobCode: e.int('TINY_JOB_CODE', 0, { min: 0, max: 255 }),
      shutdownTimeoutMs: shutdownTimeoutMsFromEnv(e),
    }));
    service.configure({ shutdownTimeoutMs: config.shutdownTimeoutMs });
    if (config.mode === 'config') readEnv({ PORT: '1e3' }, (e) => e.int('PORT', 0));
    const keepAlive = setInterval(() => undefined, 60_000);
    service.onStop(async () => {
      await sleep(config.stopMs);
      clearInterval(keepAlive);
      logger.info({}, 'stopped');
    });
    if (config.mode === 'crash') setTimeout(() => service.fail(new Error('boom'), 'exiting: it crashed'), 10);
    if (config.mode === 'job') return config.jobCode;
    logger.info({}, 'running');
  },
  { name: 'tiny', logger },
);
