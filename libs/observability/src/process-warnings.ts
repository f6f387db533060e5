/**
 * Warnings that dependencies cause on Node 24 and that say nothing about this program, dropped (and only they):
 * - TimeoutNegativeWarning: kafkajs 2.2.4 schedules an idle timer with a negative delay (Node clamps it to 1 ms);
 * - DEP0169 (`url.parse()`): the schema registry client's HTTP library (mappersmith) still calls it.
 * Every other warning still reaches Node's own printer. Call once from an app's main; npm scripts get the same
 * through .npmrc's node-options.
 */
const KNOWN = new Set(['TimeoutNegativeWarning', 'DEP0169']);

export function silenceKnownDependencyWarnings(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (KNOWN.has(warning.name) || KNOWN.has((warning as Error & { code?: string }).code ?? '')) return;
    for (const print of printers) print(warning);
  });
}
