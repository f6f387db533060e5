import type { TestProject } from 'vitest/node';
import './context.ts';
import { startTestStack } from './test-stack.ts';

/** Vitest global setup: resolves the real stack once per test run and hands its endpoints to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startTestStack();
  process.stderr.write(`[spr-testing] stack from ${stack.source}: ${stack.description}\n`);
  const { stop: _stop, ...endpoints } = stack;
  project.provide('sprStack', endpoints);
  return () => stack.stop();
}
