import { describe, expect, it } from 'vitest';
import { MODEL_COLUMNS, sqlColumnRefs, unknownColumns } from './sql-columns.ts';

describe('the raw-SQL column check', () => {
  it('knows every model table by its SQL name, with its SQL column names', () => {
    expect(MODEL_COLUMNS.get('consumer_offsets')).toContain('dead_lettered_count');
    expect(MODEL_COLUMNS.get('processed_events')).toContain('offset');
    expect(MODEL_COLUMNS.get('payments')).toContain('refunded_minor');
  });

  it('finds the columns of insert lists, set lists, plain select lists and alias-qualified names', () => {
    const sql = `with moved as (
        update entity_progress p set applied_seq = i.applied_seq, parked_count = 0
          from input i where p.entity_id = i.entity_id returning 1
      ), recorded as (
        insert into processed_events as e (event_id, "offset") select 1, 2
          on conflict (event_id) do update set outcome = excluded.outcome returning 1
      )
      select partition, next_offset as n from consumer_offsets`;
    expect(sqlColumnRefs(sql)).toEqual(
      expect.arrayContaining([
        { table: 'entity_progress', column: 'applied_seq' },
        { table: 'entity_progress', column: 'parked_count' },
        { table: 'entity_progress', column: 'entity_id' },
        { table: 'processed_events', column: 'event_id' },
        { table: 'processed_events', column: 'offset' },
        { table: 'processed_events', column: 'outcome' },
        { table: 'consumer_offsets', column: 'partition' },
        { table: 'consumer_offsets', column: 'next_offset' },
      ]),
    );
    expect(unknownColumns(sql)).toEqual([]);
  });

  it('names a column that drifted, wherever it is listed', () => {
    expect(unknownColumns('insert into consumer_offsets (group_id, next_ofset) values ($1, $2)')).toEqual([
      'consumer_offsets.next_ofset',
    ]);
    expect(unknownColumns('update consumer_offsets set applied = 1 where group_id = $1')).toEqual([
      'consumer_offsets.applied',
    ]);
    expect(
      unknownColumns(
        'insert into payments (payment_id) values ($1) on conflict (payment_id) do update set stat = excluded.stat',
      ),
    ).toEqual(['payments.stat']);
    expect(unknownColumns('select payment_id, amount from payments')).toEqual(['payments.amount']);
    expect(unknownColumns('select s.hash from processed_events s')).toEqual(['processed_events.hash']);
    expect(
      unknownColumns('update consumer_offsets set owner = $2 where group_id = $1 returning next_offset, generaton'),
    ).toEqual(['consumer_offsets.generaton']);
  });

  it('ignores what is not a model table: CTEs, functions, string literals', () => {
    expect(unknownColumns("with input as (select 1 as x) select i.anything from input i where 'p.nope' <> ''")).toEqual(
      [],
    );
    expect(sqlColumnRefs('select a, b from jsonb_array_elements($1::jsonb)')).toEqual([]);
  });
});
