import { decodeFailure, type DecodeFailure } from './decode-result.ts';

/** Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the Avro body. */
export const MAGIC_BYTE = 0;
export const WIRE_HEADER_SIZE = 5;

/** The writer's schema id of a wire-format message, or why the message is not one. Allocates nothing when valid. */
export function readSchemaId(message: Buffer): number | DecodeFailure {
  if (message.length === 0) return decodeFailure('TRUNCATED', 'empty message: no wire-format header');
  if (message[0] !== MAGIC_BYTE) {
    const first = message[0]!;
    return decodeFailure(
      'BAD_MAGIC_BYTE',
      `magic byte 0x${first.toString(16).padStart(2, '0')}, expected 0x00 (Confluent wire format)`,
    );
  }
  if (message.length < WIRE_HEADER_SIZE) {
    return decodeFailure(
      'TRUNCATED',
      `${message.length} bytes: the wire-format header alone needs ${WIRE_HEADER_SIZE}`,
    );
  }
  return message.readInt32BE(1);
}

export function writeWireFormat(schemaId: number, body: Buffer): Buffer {
  const message = Buffer.allocUnsafe(WIRE_HEADER_SIZE + body.length);
  message[0] = MAGIC_BYTE;
  message.writeInt32BE(schemaId, 1);
  body.copy(message, WIRE_HEADER_SIZE);
  return message;
}
