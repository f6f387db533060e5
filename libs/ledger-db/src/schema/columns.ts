import { bigint, customType, timestamp } from 'drizzle-orm/pg-core';

/** Integer minor units or offsets: always bigint in TypeScript, never a float. */
export const int64 = (name: string) => bigint(name, { mode: 'bigint' });

export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Raw bytes (Kafka keys and values kept verbatim for dead letters and parked events). */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});
