import { createHash, randomUUID } from 'node:crypto';
import type { EventDecoder } from '../types.ts';

/** The events of the runtime's own specs: JSON notes, one entity's notes numbered from 1 (the runtime is generic). */
export interface Note {
  readonly id: string;
  readonly entity: string;
  readonly seq: number;
}

export const noteDecoder: EventDecoder<Note> = {
  decode(message) {
    const note = JSON.parse(message.value!.toString()) as Note;
    return {
      ok: true,
      event: note,
      identity: {
        eventId: note.id,
        entityType: 'note',
        entityId: note.entity,
        seq: BigInt(note.seq),
        payloadHash: createHash('sha256').update(message.value!).digest(),
      },
    };
  },
};

/** Notes `fromSeq..toSeq` of each of `entities` entities, interleaved across entities. */
export function makeNotes(entities: number, fromSeq: number, toSeq: number, prefix = 'n'): Note[] {
  const notes: Note[] = [];
  for (let seq = fromSeq; seq <= toSeq; seq++)
    for (let e = 0; e < entities; e++) notes.push({ id: randomUUID(), entity: `${prefix}-${e}`, seq });
  return notes;
}

export const noteMessage = (note: Note) => ({ key: `note:${note.entity}`, value: JSON.stringify(note) });
