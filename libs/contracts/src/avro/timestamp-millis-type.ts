import avro from 'avsc';

/**
 * Avro `timestamp-millis` (a `long` of milliseconds since the epoch, UTC) as a `Date`. avsc builds the underlying
 * type of `{"type": "long", "logicalType": …}` as its own number long, not the registry's bigint one: both are
 * handled, milliseconds fit a number exactly.
 */
export class TimestampMillisType extends avro.types.LogicalType {
  // The underlying long is a bigint (BIGINT_LONG_TYPE); a writer parsed elsewhere may hand over a number, and a
  // writer parsed with this type hands over a Date. A truncated body yields undefined: an invalid Date, no throw,
  // so the decoder can report TRUNCATED.
  protected override _fromValue(value: bigint | number | Date | undefined): Date {
    return value instanceof Date ? value : new Date(Number(value));
  }

  protected override _toValue(value: unknown): bigint | number | undefined {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) return undefined;
    return this.underlyingType.typeName === 'abstract:long' ? BigInt(value.getTime()) : value.getTime();
  }

  protected override _resolve(writer: avro.Type): ((value: bigint | number | Date) => Date) | undefined {
    if (avro.Type.isType(writer, 'long', 'abstract:long', 'logical:timestamp-millis')) {
      return (value) => this._fromValue(value);
    }
    return undefined;
  }
}
