/** One leg of a double-entry transaction; a transaction's debits equal its credits in each currency. */
export interface LedgerLeg {
  readonly account: string;
  readonly direction: 'debit' | 'credit';
  readonly amountMinor: bigint;
  readonly currency: string;
}

/**
 * The accounts a payment moves money between. Funds held by an authorization sit in the payment's own clearing
 * account until they are captured (to the merchant) or released (back to the customer), so that account's balance
 * is always exactly what the payment holds, and no single account is shared by every payment.
 */
export const accounts = {
  customer: (customerId: string) => `customer:${customerId}`,
  merchant: (merchantId: string) => `merchant:${merchantId}`,
  clearing: (paymentId: string) => `clearing:${paymentId}`,
};

/** `amount` moves from `from` to `to`: one debit, one credit. No legs for a zero amount. */
export function transfer(from: string, to: string, amountMinor: bigint, currency: string): LedgerLeg[] {
  if (amountMinor === 0n) return [];
  return [
    { account: from, direction: 'debit', amountMinor, currency },
    { account: to, direction: 'credit', amountMinor, currency },
  ];
}
