/** `['LOW', 'HIGH']` → `{ LOW: 'LOW', HIGH: 'HIGH' }`: the object `registerEnumType` takes, from one list of values. */
export function enumOf<T extends string>(values: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };
}
