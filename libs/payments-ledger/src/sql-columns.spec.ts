/** The ledger handler's SQL names only columns the Drizzle models of @spr/ledger-db have (the schema is the truth). */
import { sqlColumnRefs, unknownColumns } from '@spr/ledger-db';
import type { Payment } from '@spr/payments-domain';
import { describe, expect, it } from 'vitest';
import { createLedgerHandler } from './ledger-handler.ts';

const handler = createLedgerHandler();
const at = new Date(0);
const payment: Payment = {
  paymentId: 'p-1',
  state: 'captured',
  customerId: 'c-1',
  merchantId: 'm-1',
  currency: 'EUR',
  amountMinor: 100n,
  authorizedMinor: 100n,
  capturedMinor: 100n,
  refundedMinor: 0n,
  failureReason: null,
  createdAt: at,
  updatedAt: at,
};

const statements: Record<string, () => string> = {
  'the states read': () => handler.loadStates([{ entityType: 'payment', entityId: 'p-1' }]).statement.text,
  'the payments and legs write': () =>
    handler
      .write(
        {
          states: [{ entity: { entityType: 'payment', entityId: 'p-1' }, state: payment, existed: true }],
          effects: [
            {
              txId: '00000000-0000-4000-8000-000000000000',
              paymentId: 'p-1',
              seq: 2n,
              eventType: 'PaymentCaptured',
              occurredAt: at,
              legs: [{ account: 'a', direction: 'debit', amountMinor: 100n, currency: 'EUR' }],
            },
          ],
        },
        { partition: 0 },
      )
      .map((s) => s.text)
      .join(';\n'),
};

describe("the ledger handler's SQL against the Drizzle models", () => {
  for (const [name, text] of Object.entries(statements)) {
    it(`${name}: every listed column exists`, () => {
      expect(sqlColumnRefs(text()).length).toBeGreaterThan(0);
      expect(unknownColumns(text())).toEqual([]);
    });
  }
});
