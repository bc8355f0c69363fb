/**
 * Type tests for handler inference: `on(type, handler)` types the event from
 * the schema registered for that type; with schemas declared, `on` takes only
 * their types and `onUntyped` gives `unknown` for the others.
 */
import {
  createReceiver,
  type DeliveryContext,
  type EventOutput,
  type Handler,
  type Receiver,
  type StandardSchemaV1,
  stripe,
} from '@hookgate/core';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

const scheme = stripe({ secret: 'whsec_types' });

const invoicePaid = z.object({
  id: z.string(),
  type: z.literal('invoice.paid'),
  data: z.object({ object: z.object({ amount_paid: z.number(), customer: z.string().nullable() }) }),
});

/** Input and output differ: handlers must see the output. */
const customerCreated = z.object({
  id: z.string(),
  created: z.number().transform((seconds) => new Date(seconds * 1000)),
  email: z.string().optional(),
});

type InvoicePaid = {
  id: string;
  type: 'invoice.paid';
  data: { object: { amount_paid: number; customer: string | null } };
};

describe('a receiver with event schemas', () => {
  const receiver = createReceiver({
    scheme,
    events: { 'invoice.paid': invoicePaid, 'customer.created': customerCreated },
  });

  it('types the event from the schema of its type', () => {
    receiver.on('invoice.paid', (event, ctx) => {
      expectTypeOf(event).toEqualTypeOf<InvoicePaid>();
      expectTypeOf(event.data.object.amount_paid).toEqualTypeOf<number>();
      expectTypeOf(ctx).toEqualTypeOf<DeliveryContext>();
    });
  });

  it("gives the schema's output type, not its input type", () => {
    receiver.on('customer.created', (event) => {
      expectTypeOf(event).toEqualTypeOf<{ id: string; created: Date; email?: string | undefined }>();
      expectTypeOf(event.created).toEqualTypeOf<Date>();
      expectTypeOf(event.created).not.toEqualTypeOf<number>();
    });
  });

  it('refuses a type with no schema in on(): a misspelt type does not compile', () => {
    // @ts-expect-error: 'invoice.payed' is not one of the declared event types
    receiver.on('invoice.payed', () => undefined);
    // @ts-expect-error: charge.refunded has no schema: onUntyped is the explicit escape
    receiver.on('charge.refunded', () => undefined);
    expectTypeOf(receiver.on).parameter(0).toEqualTypeOf<'invoice.paid' | 'customer.created'>();
  });

  it('gives unknown through onUntyped, the escape for a type with no schema', () => {
    receiver.onUntyped('charge.refunded', (event, ctx) => {
      expectTypeOf(event).toBeUnknown();
      expectTypeOf(ctx).toEqualTypeOf<DeliveryContext>();
    });
  });

  it('gives unknown to onAny, with a DeliveryContext', () => {
    receiver.onAny((event, ctx) => {
      expectTypeOf(event).toBeUnknown();
      expectTypeOf(ctx).toEqualTypeOf<DeliveryContext>();
      expectTypeOf(ctx.rawBody).toEqualTypeOf<Buffer>();
      expectTypeOf(ctx.id).toEqualTypeOf<string | undefined>();
    });
  });

  it('keeps the schemas in the receiver type, and on/onAny chain', () => {
    expectTypeOf(receiver).toEqualTypeOf<
      Receiver<{ readonly 'invoice.paid': typeof invoicePaid; readonly 'customer.created': typeof customerCreated }>
    >();
    const chained = receiver.on('invoice.paid', () => undefined).onAny(() => undefined);
    expectTypeOf(chained).toEqualTypeOf(receiver);
    expectTypeOf<EventOutput<typeof chained extends Receiver<infer E> ? E : never, 'invoice.paid'>>().toEqualTypeOf<
      StandardSchemaV1.InferOutput<typeof invoicePaid>
    >();
  });

  it('accepts async handlers and handlers typed by hand', () => {
    receiver.on('invoice.paid', async (event) => {
      await Promise.resolve(event.id);
    });
    const byHand: Handler<InvoicePaid> = (event) => event.data.object.customer;
    receiver.on('invoice.paid', byHand);
    // A handler that needs less than the event has is fine (parameter contravariance).
    receiver.on('invoice.paid', (event: { id: string }) => event.id);
  });

  it('rejects reading what the schema does not have', () => {
    receiver.on('invoice.paid', (event) => {
      // @ts-expect-error: invoice.paid has no `amount` at the top level
      event.amount;
      // @ts-expect-error: `customer` may be null
      event.data.object.customer.toUpperCase();
      // @ts-expect-error: `type` is the literal 'invoice.paid'
      const other: 'invoice.created' = event.type;
      return other;
    });
    receiver.on('customer.created', (event) => {
      // @ts-expect-error: `created` is a Date after the transform, not a number
      const seconds: number = event.created;
      return seconds;
    });
  });

  it('rejects a handler that expects more than the schema gives', () => {
    // @ts-expect-error: amount_paid is a number, not a string
    receiver.on('invoice.paid', (event: { data: { object: { amount_paid: string } } }) => event);
  });

  it('rejects using an event of a type with no schema without narrowing it first', () => {
    receiver.onUntyped('charge.refunded', (event) => {
      // @ts-expect-error: unknown has no properties
      event.id;
    });
    receiver.onAny((event) => {
      // @ts-expect-error: unknown has no properties
      event.type;
    });
  });

  it('rejects events that are not Standard Schemas', () => {
    createReceiver({
      scheme,
      // @ts-expect-error: a plain object is not a Standard Schema validator
      events: { 'invoice.paid': { id: 'string' } },
    });
  });
});

describe('a receiver without event schemas', () => {
  const receiver = createReceiver({ scheme });

  it('accepts any type string and gives unknown', () => {
    receiver.on('invoice.paid', (event, ctx) => {
      expectTypeOf(event).toBeUnknown();
      expectTypeOf(ctx).toEqualTypeOf<DeliveryContext>();
    });
    receiver.on('anything.at.all', (event) => {
      expectTypeOf(event).toBeUnknown();
    });
    expectTypeOf(receiver.on).parameter(0).toEqualTypeOf<string>();
  });

  it('gives unknown to onAny', () => {
    receiver.onAny((event, ctx) => {
      expectTypeOf(event).toBeUnknown();
      expectTypeOf(ctx).toEqualTypeOf<DeliveryContext>();
    });
  });

  it('rejects a non-string event type', () => {
    // @ts-expect-error: event types are strings
    receiver.on(42, () => undefined);
  });
});

describe('handle', () => {
  it('takes the raw request and always resolves to a response', () => {
    const receiver = createReceiver({ scheme });
    expectTypeOf(receiver.handle)
      .parameter(0)
      .toHaveProperty('body')
      .toEqualTypeOf<Buffer | Uint8Array | ArrayBuffer | string>();
    expectTypeOf(receiver.handle).returns.resolves.toEqualTypeOf<{
      status: number;
      headers: Record<string, string>;
      body: string;
    }>();
  });
});

describe('the README ordering example with two event types', () => {
  it('typechecks in its narrowing form', () => {
    const events = {
      'customer.updated': z.object({
        type: z.literal('customer.updated'),
        data: z.object({ customer: z.string(), seq: z.number() }),
      }),
      'customer.deleted': z.object({ type: z.literal('customer.deleted'), customer: z.string(), seq: z.number() }),
    };
    const receiver = createReceiver({
      scheme,
      events,
      order: {
        key: (e) => (e.type === 'customer.deleted' ? e.customer : e.data.customer),
        sequence: (e) => (e.type === 'customer.deleted' ? e.seq : e.data.seq),
        mode: 'strict',
        start: 1,
      },
    });
    expectTypeOf(receiver.on).parameter(0).toEqualTypeOf<'customer.updated' | 'customer.deleted'>();
  });
});
