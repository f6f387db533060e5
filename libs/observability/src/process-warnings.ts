/**
 * Drops Node's TimeoutNegativeWarning, and only it: kafkajs 2.2.4 schedules an idle timer with a negative delay,
 * which Node clamps to 1 ms (harmless) but reports on every client. Every other warning still reaches Node's own
 * printer. Call once from an app's main (npm scripts get the same effect from .npmrc's node-options).
 */
export function silenceKafkajsTimerWarning(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    for (const print of printers) print(warning);
  });
}
