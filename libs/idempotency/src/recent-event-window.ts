export interface RecentEventWindowOptions {
  /** Upper bound on remembered event ids; the least recently used is forgotten first. */
  readonly maxEntries: number;
  /** How long an id is remembered after it was last recorded. */
  readonly ttlMs: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export const DEFAULT_WINDOW_MAX_ENTRIES = 100_000;
export const DEFAULT_WINDOW_TTL_MS = 10 * 60_000;

/**
 * A bounded, in-memory fast path in front of durable dedupe: event ids (with their content digest) whose outcome
 * is already committed to PostgreSQL. Record an id only after the transaction that recorded it commits; then a
 * hit is an event the durable layer would also skip as a duplicate. A miss says nothing (ask the database),
 * and a hit with a different digest is not a duplicate (the durable layer dead-letters it). Memory is bounded by
 * `maxEntries` whatever the load.
 */
export interface RecentEventWindow {
  /** True only when `eventId` was recorded with the same digest within the TTL. */
  isKnownDuplicate(eventId: string, payloadHash: Buffer): boolean;
  record(eventId: string, payloadHash: Buffer): void;
  /** Forget everything (e.g. when the durable state may have been reset under this process). */
  clear(): void;
  readonly size: number;
}

/** A node of the recency list; at capacity the least recent node is reused for the new id (no allocation). */
interface Node {
  key: string;
  digest: Buffer;
  expiresAt: number;
  newer: Node | undefined;
  older: Node | undefined;
}

export function createRecentEventWindow(options: RecentEventWindowOptions): RecentEventWindow {
  if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
    throw new RangeError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
  if (!(options.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${options.ttlMs}`);
  const now = options.now ?? Date.now;
  // A Map plus a doubly linked recency list: O(1) lookup, touch and eviction. (Evicting through a Map's
  // insertion order alone degrades badly: V8 keeps deleted entries at the front until it rehashes.)
  const nodes = new Map<string, Node>();
  let newest: Node | undefined;
  let oldest: Node | undefined;

  const unlink = (node: Node) => {
    if (node.newer) node.newer.older = node.older;
    else newest = node.older;
    if (node.older) node.older.newer = node.newer;
    else oldest = node.newer;
    node.newer = node.older = undefined;
  };
  const pushNewest = (node: Node) => {
    node.older = newest;
    node.newer = undefined;
    if (newest) newest.newer = node;
    newest = node;
    oldest ??= node;
  };

  return {
    isKnownDuplicate(eventId, payloadHash) {
      const node = nodes.get(eventId);
      if (!node) return false;
      unlink(node);
      if (node.expiresAt <= now()) {
        nodes.delete(eventId);
        return false;
      }
      pushNewest(node);
      return node.digest.equals(payloadHash);
    },

    record(eventId, payloadHash) {
      const digest = payloadHash;
      const expiresAt = now() + options.ttlMs;
      let node = nodes.get(eventId);
      if (node) {
        unlink(node);
      } else if (nodes.size >= options.maxEntries) {
        node = oldest!;
        unlink(node);
        nodes.delete(node.key);
        node.key = eventId;
        nodes.set(eventId, node);
      } else {
        node = { key: eventId, digest, expiresAt, newer: undefined, older: undefined };
        nodes.set(eventId, node);
      }
      node.digest = digest;
      node.expiresAt = expiresAt;
      pushNewest(node);
    },

    clear() {
      nodes.clear();
      newest = oldest = undefined;
    },

    get size() {
      return nodes.size;
    },
  };
}
