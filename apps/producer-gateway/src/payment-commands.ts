/**
 * What each write request asks for, as a typed command, and the one event it would emit. Pure: the store runs
 * `decide` inside the transaction that holds the payment's row lock, and `decide` runs the shared state machine
 * (applyPaymentEvent) on the candidate event, so the gateway only ever emits events the consumer accepts.
 */
import type { PaymentEvent, PaymentMethod } from '@spr/contracts';
import { applyPaymentEvent, PAYMENT_ENTITY_TYPE, type Payment, type PaymentState } from '@spr/payments-domain';
import { parseAmountMinor } from './amount.ts';
import type { ErrorCode } from './api-schemas.ts';
import type { FieldProblem } from './json-schema.ts';

export type PaymentCommand =
  | {
      readonly kind: 'initiate';
      readonly paymentId: string;
      readonly customerId: string;
      readonly merchantId: string;
      readonly amountMinor: bigint;
      readonly currency: string;
      readonly paymentMethod: PaymentMethod;
      readonly description: string | null;
    }
  | { readonly kind: 'authorize'; readonly paymentId: string; readonly authorizationCode: string | undefined }
  | {
      readonly kind: 'capture';
      readonly paymentId: string;
      readonly amountMinor: bigint | undefined;
      readonly acquirerReference: string | null;
    }
  | {
      readonly kind: 'refund';
      readonly paymentId: string;
      readonly amountMinor: bigint;
      readonly reason: string | null;
    }
  | {
      readonly kind: 'cancel';
      readonly paymentId: string;
      readonly reason: string | null;
      readonly cancelledBy: string;
    }
  | {
      readonly kind: 'fail';
      readonly paymentId: string;
      readonly failureCode: string;
      readonly failureMessage: string | null;
    };

export type CommandKind = PaymentCommand['kind'];

/** The gateway's stored record of a payment (a `gateway_payments` row). */
export interface GatewayPayment {
  readonly paymentId: string;
  readonly state: PaymentState;
  readonly customerId: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
  readonly lastSeq: bigint;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Everything about the event that is not the client's to choose: ids, clock, tracing. */
export interface EventContext {
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly correlationId: string;
  /** Null: a client request causes these events directly (the schema's rule); see the README. */
  readonly causationId: string | null;
  /** For refunds. */
  readonly refundId: string;
  /** Used when an authorize request brings no code of its own. */
  readonly generatedAuthorizationCode: string;
  readonly authorizationTtlMs: number;
}

export type Decision =
  | { readonly ok: true; readonly event: PaymentEvent; readonly payment: GatewayPayment }
  | {
      readonly ok: false;
      readonly status: 400 | 404 | 409 | 500;
      readonly error: ErrorCode;
      readonly message: string;
      readonly state?: PaymentState;
      readonly fields?: readonly FieldProblem[];
    };

export type ParsedCommand =
  | { readonly ok: true; readonly command: PaymentCommand }
  | { readonly ok: false; readonly fields: readonly FieldProblem[] };

type Body = Readonly<Record<string, unknown>>;

/**
 * The command of a body that has passed its JSON Schema: amounts become bigints (a range the schema cannot
 * express is checked here), absent optional fields become null.
 */
export function parseCommand(
  kind: CommandKind,
  body: Body,
  context: { readonly paymentId: string; readonly apiKeyId: string },
): ParsedCommand {
  const fields: FieldProblem[] = [];
  const amount = (name: string): bigint | undefined => {
    if (body[name] === undefined) return undefined;
    const parsed = parseAmountMinor(body[name]);
    if (parsed.ok) return parsed.value;
    fields.push({ field: name, problem: parsed.problem });
    return undefined;
  };
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : null);
  const { paymentId } = context;
  let command: PaymentCommand;
  switch (kind) {
    case 'initiate':
      command = {
        kind,
        paymentId,
        customerId: body.customer_id as string,
        merchantId: body.merchant_id as string,
        amountMinor: amount('amount_minor') ?? 0n,
        currency: body.currency as string,
        paymentMethod: body.payment_method as PaymentMethod,
        description: text('description'),
      };
      break;
    case 'authorize':
      command = { kind, paymentId, authorizationCode: text('authorization_code') ?? undefined };
      break;
    case 'capture':
      command = { kind, paymentId, amountMinor: amount('amount_minor'), acquirerReference: text('acquirer_reference') };
      break;
    case 'refund':
      command = { kind, paymentId, amountMinor: amount('amount_minor') ?? 0n, reason: text('reason') };
      break;
    case 'cancel':
      command = {
        kind,
        paymentId,
        reason: text('reason'),
        cancelledBy: text('cancelled_by') ?? `api-key:${context.apiKeyId}`,
      };
      break;
    case 'fail':
      command = { kind, paymentId, failureCode: body.failure_code as string, failureMessage: text('failure_message') };
      break;
  }
  return fields.length > 0 ? { ok: false, fields } : { ok: true, command };
}

/** The state machine's view of a stored payment. Authorizations are always for the full amount. */
export function toDomainPayment(p: GatewayPayment): Payment {
  const authorized = p.state === 'authorized' || p.state === 'captured' || p.state === 'refunded';
  return {
    paymentId: p.paymentId,
    state: p.state,
    customerId: p.customerId,
    merchantId: p.merchantId,
    currency: p.currency,
    amountMinor: p.amountMinor,
    authorizedMinor: authorized ? p.amountMinor : 0n,
    capturedMinor: p.capturedMinor,
    refundedMinor: p.refundedMinor,
    // Not kept by the gateway; the state machine only reports it, it never decides on it.
    failureReason: null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/**
 * The event `command` emits on `current` (undefined: no such payment yet), checked by the state machine, and
 * the payment as it will be stored; or why the request is refused.
 */
export function decide(command: PaymentCommand, current: GatewayPayment | undefined, context: EventContext): Decision {
  if (command.kind === 'initiate' && current) {
    return {
      ok: false,
      status: 409,
      error: 'payment_exists',
      message: `payment ${command.paymentId} already exists (it is ${current.state})`,
      state: current.state,
    };
  }
  if (command.kind !== 'initiate' && !current) {
    return {
      ok: false,
      status: 404,
      error: 'payment_not_found',
      message: `payment ${command.paymentId} does not exist`,
    };
  }
  const seq = current ? current.lastSeq + 1n : 1n;
  const event = candidateEvent(command, current, seq, context);
  const step = applyPaymentEvent(current && toDomainPayment(current), event);
  if (!step.ok) {
    const state = current?.state;
    switch (step.reason) {
      case 'ILLEGAL_TRANSITION':
        return { ok: false, status: 409, error: 'illegal_transition', message: step.error, ...(state && { state }) };
      case 'AMOUNT_EXCEEDED':
        return { ok: false, status: 409, error: 'amount_exceeded', message: step.error, ...(state && { state }) };
      case 'INVALID_AMOUNT':
        return {
          ok: false,
          status: 400,
          error: 'invalid_request',
          message: step.error,
          fields: [{ field: 'amount_minor', problem: step.error }],
        };
      case 'INVALID_CURRENCY':
        return {
          ok: false,
          status: 400,
          error: 'invalid_request',
          message: step.error,
          fields: [{ field: 'currency', problem: step.error }],
        };
      case 'CURRENCY_MISMATCH':
      case 'ENTITY_MISMATCH':
        // The gateway builds both from the stored payment: reaching this is a bug, not a client error.
        return {
          ok: false,
          status: 500,
          error: 'internal_error',
          message: `the gateway built an inconsistent event: ${step.error}`,
        };
    }
  }
  const next = step.payment;
  return {
    ok: true,
    event,
    payment: {
      paymentId: next.paymentId,
      state: next.state,
      customerId: next.customerId,
      merchantId: next.merchantId,
      currency: next.currency,
      amountMinor: next.amountMinor,
      capturedMinor: next.capturedMinor,
      refundedMinor: next.refundedMinor,
      lastSeq: seq,
      createdAt: current?.createdAt ?? context.occurredAt,
      updatedAt: context.occurredAt,
    },
  };
}

function candidateEvent(
  command: PaymentCommand,
  current: GatewayPayment | undefined,
  seq: bigint,
  context: EventContext,
): PaymentEvent {
  const common = {
    event_id: context.eventId,
    entity_type: PAYMENT_ENTITY_TYPE,
    entity_id: command.paymentId,
    seq,
    occurred_at: context.occurredAt,
    correlation_id: context.correlationId,
    causation_id: context.causationId,
  };
  // Past the checks in decide(), every kind but initiate has a current payment.
  const c = current!;
  switch (command.kind) {
    case 'initiate':
      return {
        type: 'PaymentInitiated',
        payload: {
          ...common,
          merchant_id: command.merchantId,
          customer_id: command.customerId,
          amount_minor: command.amountMinor,
          currency: command.currency,
          payment_method: command.paymentMethod,
          description: command.description,
        },
      };
    case 'authorize':
      return {
        type: 'PaymentAuthorized',
        payload: {
          ...common,
          amount_minor: c.amountMinor,
          currency: c.currency,
          authorization_code: command.authorizationCode ?? context.generatedAuthorizationCode,
          expires_at: new Date(context.occurredAt.getTime() + context.authorizationTtlMs),
        },
      };
    case 'capture':
      return {
        type: 'PaymentCaptured',
        payload: {
          ...common,
          amount_minor: command.amountMinor ?? toDomainPayment(c).authorizedMinor,
          currency: c.currency,
          acquirer_reference: command.acquirerReference,
        },
      };
    case 'refund':
      return {
        type: 'PaymentRefunded',
        payload: {
          ...common,
          refund_id: context.refundId,
          amount_minor: command.amountMinor,
          currency: c.currency,
          reason: command.reason,
        },
      };
    case 'cancel':
      return {
        type: 'PaymentCancelled',
        payload: { ...common, cancelled_by: command.cancelledBy, reason: command.reason },
      };
    case 'fail':
      return {
        type: 'PaymentFailed',
        payload: { ...common, failure_code: command.failureCode, failure_message: command.failureMessage },
      };
  }
}

/** The seq a refund, capture, ... would get and its outbox `event_type`; for responses. */
export function emittedEvent(event: PaymentEvent): {
  event_id: string;
  event_type: PaymentEvent['type'];
  seq: string;
  refund_id?: string;
} {
  const base = { event_id: event.payload.event_id, event_type: event.type, seq: event.payload.seq.toString() };
  return event.type === 'PaymentRefunded' ? { ...base, refund_id: event.payload.refund_id } : base;
}
