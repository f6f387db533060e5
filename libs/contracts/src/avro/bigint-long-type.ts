import avro from 'avsc';

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

function isLong(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= MIN_LONG && value <= MAX_LONG;
}

/** Schema defaults arrive as JSON numbers; avsc's own copies pass through `toJSON`, hence decimal strings too. */
function longFromJson(json: unknown): bigint {
  if (typeof json === 'bigint') return json;
  if (typeof json === 'number' && Number.isSafeInteger(json)) return BigInt(json);
  if (typeof json === 'string' && /^-?\d+$/.test(json)) return BigInt(json);
  throw new Error(`not a long: ${String(json)}`);
}

/**
 * Avro `long` as `bigint`. avsc's default maps it to a JS number, which silently loses precision above 2^53: money
 * in minor units and sequence numbers must not.
 */
export const BIGINT_LONG_TYPE = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.allocUnsafe(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: longFromJson,
  toJSON: (value: bigint) => value.toString(),
  isValid: isLong,
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});
