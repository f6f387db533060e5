import type { BackoffOptions } from '@spr/errors';

export { backoffDelay, type BackoffOptions } from '@spr/errors';

/** The runtime's retry delays (the outbox relay has its own, longer ceiling). */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000 };
