/**
 * A CSV row's `lat` and `lng` cells as the record's `location`: both or neither; one alone is
 * kept as it is, and the check against the record's input type then names the missing one.
 */
export function withLocation(cells: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { lat, lng, ...rest } = cells;
  if (lat === undefined && lng === undefined) return rest;
  return { ...rest, location: { ...(lat !== undefined ? { lat } : {}), ...(lng !== undefined ? { lng } : {}) } };
}
