import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { RequestContext } from '../context.js';

/**
 * graphql's `subscribe`, except that the result of one event is computed once and handed to
 * every subscriber of the same **class**: the same operation (text, variables, operation name)
 * and the same ability rules. A result depends on nothing else (field resolvers read the
 * ability, never the principal's name), so subscribers of one class would compute the same
 * bytes. With 10,000 subscribers, the grid workers of one grid, the officers of one community
 * and so on are classes; an alert is executed once per class instead of once per subscriber.
 *
 * What must stay per subscriber stays so: a result that noted anything in the ledger (unmasked
 * personal data, a denial), or that carries errors, is never shared — each subscriber of that
 * class executes for itself and its own reads are audited under its own name. The event
 * (`rootValue`) must be one object per record for sharing to happen (see LiveFeed).
 */

interface Shared {
  result: ExecutionResult;
  /** The execution noted nothing in the ledger and had no errors. */
  shareable: boolean;
}

/** Per event object: class key → the result being or already computed. */
const results = new WeakMap<object, Map<string, Promise<Shared>>>();
/** Ability → a small id of its rules (equal rules, equal id). */
const classOfAbility = new WeakMap<object, number>();
const classIds = new Map<string, number>();

function classOf(ability: { rules: unknown }): number {
  let id = classOfAbility.get(ability);
  if (id === undefined) {
    const text = JSON.stringify(ability.rules);
    id = classIds.get(text);
    if (id === undefined) {
      id = classIds.size;
      classIds.set(text, id);
    }
    classOfAbility.set(ability, id);
  }
  return id;
}

async function run(args: ExecutionArgs, event: unknown): Promise<Shared> {
  const ctx = args.contextValue as RequestContext;
  const before = ctx.ledger.empty;
  const result = await execute({ ...args, rootValue: event });
  return { result, shareable: before && ctx.ledger.empty && !result.errors };
}

function executeShared(args: ExecutionArgs, operationKey: string, event: unknown): Promise<ExecutionResult> | ExecutionResult {
  const ctx = args.contextValue as RequestContext;
  if (typeof event !== 'object' || event === null || !ctx?.ledger) return execute({ ...args, rootValue: event }) as Promise<ExecutionResult>;
  const key = `${classOf(ctx.ability as unknown as { rules: unknown })}\u0000${operationKey}`;
  let byKey = results.get(event);
  if (!byKey) results.set(event, (byKey = new Map()));
  const pending = byKey.get(key);
  if (pending) {
    return pending.then((shared) => (shared.shareable ? shared.result : run(args, event).then((own) => own.result)));
  }
  const mine = run(args, event);
  byKey.set(key, mine);
  return mine.then((shared) => {
    if (!shared.shareable) byKey.delete(key);
    return shared.result;
  });
}

/** An async iterator of `source` mapped through `map`; `return` reaches the source at once. */
function mapIterator<T, U>(source: AsyncIterator<T>, map: (value: T) => Promise<U> | U): AsyncIterableIterator<U> {
  return {
    async next() {
      const item = await source.next();
      return item.done ? { value: undefined, done: true } : { value: await map(item.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** For graphql-ws's `subscribe` option. */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in Object(stream))) return stream as ExecutionResult;
  const operationKey = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${print(args.document)}`;
  const source = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  return mapIterator(source, (event) => executeShared(args, operationKey, event));
}
