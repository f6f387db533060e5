/** What a failed registry call means to the caller. */
export type RegistryFailure = 'NOT_FOUND' | 'REFUSED' | 'UNAVAILABLE';

/**
 * Sorts an error of @kafkajs/confluent-schema-registry by meaning. Its HTTP errors carry `status`; its transport
 * (mappersmith) reports connection failures and timeouts as status 400, so 400 counts as unavailable. Errors of
 * its own checks (`ConfluentSchemaRegistry*Error`, e.g. a compatibility level that differs) are refusals.
 */
export function classifyRegistryError(error: unknown): RegistryFailure {
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 404) return 'NOT_FOUND';
  if (typeof status === 'number')
    return status === 400 || status === 408 || status === 429 || status >= 500 ? 'UNAVAILABLE' : 'REFUSED';
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && name.startsWith('ConfluentSchemaRegistry')) return 'REFUSED';
  return 'UNAVAILABLE';
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
