import { BREAK, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Hub, RequestContext } from '../platform/context.js';
import { CostBudget } from '../platform/graphql/budget.js';
import { measureOperation } from '../platform/graphql/cost.js';
import { DEFAULT_PAGE_SIZE } from '../platform/graphql/connection.js';
import { httpStatusOf, ErrorCode, QueryTooComplexError, QueryTooCostlyError, RateLimitedError, UnauthenticatedError } from '../platform/errors.js';

/**
 * The cost limits every operation passes before it runs, over HTTP and WebSocket alike
 * (docs/security.md): at most MAX_ROOT_FIELDS root fields and MAX_ALIASES aliases
 * (QUERY_TOO_COMPLEX), a cost of at most MAX_QUERY_COST (QUERY_TOO_COSTLY), and the caller's
 * budget per minute (RATE_LIMITED with `retryAfterSeconds`). Nothing here touches the database.
 */

/** What `extensions.cost` of a response says. */
export interface CostReport {
  /** The operation's cost, counted before it ran. */
  readonly requested: number;
  /** MAX_QUERY_COST. */
  readonly maximum: number;
  /** COST_BUDGET_PER_MINUTE. */
  readonly budgetPerMinute: number;
  /** What the caller may still spend now (refills by budgetPerMinute/60 a second). */
  readonly budgetRemaining: number;
}

function costBudget(hub: Hub): CostBudget {
  return new CostBudget(hub.config.limits.costBudgetPerMinute);
}

/** Whose budget an operation spends: its principal's, or an anonymous caller's address's. */
export function budgetKey(ctx: Pick<RequestContext, 'principal' | 'client'>): string {
  if (ctx.principal.kind !== 'ANONYMOUS') return `principal:${ctx.principal.name}`;
  return `client:${ctx.client?.ip ?? 'unknown'}`;
}

export interface Operation {
  readonly document: DocumentNode;
  readonly operationName: string | null | undefined;
  readonly variables: Readonly<Record<string, unknown>> | null | undefined;
}

/** Admits an operation or throws the coded refusal; the cost is taken from the caller's budget. */
export function admitOperation(hub: Hub, schema: GraphQLSchema, ctx: Pick<RequestContext, 'principal' | 'client'>, operation: Operation): CostReport {
  const limits = hub.config.limits;
  const measure = measureOperation(schema, operation.document, operation.operationName, operation.variables, DEFAULT_PAGE_SIZE);
  if (!measure) return { requested: 0, maximum: limits.maxQueryCost, budgetPerMinute: limits.costBudgetPerMinute, budgetRemaining: limits.costBudgetPerMinute };
  if (measure.aliases > limits.maxAliases) {
    throw new QueryTooComplexError(`The operation has ${measure.aliases} aliases; at most ${limits.maxAliases} are allowed`, { aliases: measure.aliases, maxAliases: limits.maxAliases });
  }
  if (measure.rootFields > limits.maxRootFields) {
    throw new QueryTooComplexError(`The operation has ${measure.rootFields} root fields; at most ${limits.maxRootFields} are allowed`, { rootFields: measure.rootFields, maxRootFields: limits.maxRootFields });
  }
  if (measure.cost > limits.maxQueryCost) throw new QueryTooCostlyError(measure.cost, limits.maxQueryCost);
  const verdict = hub.singles.of(costBudget).take(budgetKey(ctx), measure.cost, Date.now());
  if (!verdict.allowed) {
    const error = new RateLimitedError('query cost', limits.costBudgetPerMinute, 60, verdict.retryAfterSeconds, httpStatusOf(ErrorCode.RATE_LIMITED));
    Object.assign(error.extensions, { cost: measure.cost, budgetRemaining: verdict.remaining });
    throw error;
  }
  return { requested: measure.cost, maximum: limits.maxQueryCost, budgetPerMinute: limits.costBudgetPerMinute, budgetRemaining: verdict.remaining };
}

/** Whether an operation asks for the schema (`__schema`, `__type`); `__typename` is not introspection. */
export function introspects(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * In production, anonymous callers get neither the schema nor hints at it: introspection is
 * refused (UNAUTHENTICATED) and validation messages lose their "Did you mean …?" suggestions.
 * Signed-in principals (GraphiQL after sign-in, adapters' keys) keep both.
 */
export function hidesSchemaFrom(hub: Hub, ctx: Pick<RequestContext, 'principal'>): boolean {
  return hub.config.env === 'production' && ctx.principal.kind === 'ANONYMOUS';
}

export function refuseIntrospection(): never {
  throw new UnauthenticatedError('Introspection needs a signed-in caller on this hub: send "Authorization: Bearer <token>"', 401);
}

/** A validation message without its "Did you mean …?" suggestion. */
export function withoutSuggestion(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?$/, '');
}
