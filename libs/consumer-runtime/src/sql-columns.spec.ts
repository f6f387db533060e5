/** The runtime's raw SQL names only columns the Drizzle models of @spr/ledger-db have (the schema is the truth). */
import { MODEL_COLUMNS, sqlColumnRefs, unknownColumns, type Queryable } from '@spr/ledger-db';
import { describe, expect, it } from 'vitest';
import {
  CLAIM_SQL,
  OFFSET_COLUMNS,
  offsetAdvanceStatement,
  READ_GROUP_SQL,
  READ_ONE_SQL,
  READ_SOME_SQL,
  RESET_SQL,
} from './offset-store.ts';
import {
  deadLettersStatement,
  loadParkedEvents,
  parkedEventsStatement,
  resolveParkedStatement,
} from './quarantine-store.ts';
import type { RawMessage } from './types.ts';

const message: RawMessage = {
  topic: 'payments',
  partition: 0,
  offset: 7n,
  key: null,
  value: Buffer.from('x'),
  headers: {},
  timestamp: 0,
};
const identity = {
  eventId: '00000000-0000-4000-8000-000000000000',
  entityType: 'payment',
  entityId: 'p-1',
  seq: 2n,
  payloadHash: Buffer.alloc(32),
};

/** The SQL text a function sends, caught on a fake connection. */
async function sentBy(run: (db: Queryable) => Promise<unknown>): Promise<string> {
  const texts: string[] = [];
  const db = { query: async (text: string) => (texts.push(text), { rows: [] }) } as unknown as Queryable;
  await run(db);
  return texts.join(';\n');
}

const statements: Record<string, () => string | Promise<string>> = {
  'claim a partition': () => CLAIM_SQL,
  'read one offset': () => READ_ONE_SQL,
  'read some offsets': () => READ_SOME_SQL,
  "read a group's offsets": () => READ_GROUP_SQL,
  'reset an offset': () => RESET_SQL,
  'advance the offset (fenced)': () =>
    offsetAdvanceStatement({ groupId: 'g', topic: 'payments', partition: 0 }, { nextOffset: 0n, generation: 1n }, 8n, {
      applied: 1,
      duplicates: 0,
      parked: 0,
      deadLettered: 0,
    }).text,
  'dead-letter': () => deadLettersStatement('g', [{ message, reasonCode: 'DECODE', error: 'bad' }])!.text,
  park: () => parkedEventsStatement('g', [{ message, identity, expectedSeq: 1n }])!.text,
  'resolve parked events': () => resolveParkedStatement([1n], 'applied')!.text,
  'load parked events': () => sentBy((db) => loadParkedEvents(db, 'payment', 'p-1')),
};

describe("the runtime's SQL against the Drizzle models", () => {
  for (const [name, text] of Object.entries(statements)) {
    it(`${name}: every listed column exists`, async () => {
      const sql = await text();
      expect(sqlColumnRefs(sql).length).toBeGreaterThan(0);
      expect(unknownColumns(sql)).toEqual([]);
    });
  }

  it("every read selects the model's columns but updated_at and the group (the key it reads by)", () => {
    const model = [...MODEL_COLUMNS.get('consumer_offsets')!].filter((c) => c !== 'updated_at' && c !== 'group_id');
    expect(OFFSET_COLUMNS.split(', ').sort()).toEqual(model.sort());
  });
});
