/**
 * Limits on JSON values clients send as opaque data (a JSON scalar: an alert's payload, a
 * device's attributes). A value nested thousands deep overflows the stack of whatever walks it
 * recursively (JSON.stringify, graphql's value printers, the masking of personal keys,
 * PostgreSQL's jsonb input), so its depth is measured without recursion before anything else.
 */

/** The deepest JSON value the hub takes: an object at the top is depth 1; a scalar inside it, still 1. */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests objects and arrays more than `max` deep; walks without recursion and stops at the first level past `max`. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(current)) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}
