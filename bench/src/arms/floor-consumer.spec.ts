import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { batchParameters, withSynchronousCommit } from './floor-consumer.ts';

describe('arm F’s batch transaction', () => {
  it('writes the batch’s rows and the partition’s next offset as the offsets poller reads them (last offset + 1)', () => {
    const message = (offset: string, eventId?: string): KafkaMessage => ({
      offset,
      key: null,
      value: Buffer.alloc(290),
      timestamp: '0',
      attributes: 0,
      headers: eventId ? { 'spr-event-id': Buffer.from(eventId) } : {},
    });
    const id = '0b9f6a1e-6c3e-4f57-9a56-1d2b3c4d5e6f';
    const parameters = batchParameters(
      { groupId: 'g', topic: 't' },
      { partition: 4, messages: [message('9007199254740991', id), message('9007199254740993')] },
    );
    // group, topic, partition, offsets, event ids, bytes, next_offset, first_offset (offsets beyond 2^53 stay exact)
    expect(parameters).toEqual([
      'g',
      't',
      4,
      ['9007199254740991', '9007199254740993'],
      [id, null],
      [290, 290],
      '9007199254740994',
      '9007199254740991',
    ]);
  });

  it('turns synchronous commit on without dropping the search_path the arm’s schema set', () => {
    const url = new URL(
      withSynchronousCommit('postgres://spr:spr@127.0.0.1:15432/spr?options=-c%20search_path%3Dbench_f'),
    );
    expect(url.searchParams.get('options')).toBe('-c search_path=bench_f -c synchronous_commit=on');
    expect(new URL(withSynchronousCommit('postgres://spr:spr@127.0.0.1:15432/spr')).searchParams.get('options')).toBe(
      '-c synchronous_commit=on',
    );
  });
});
