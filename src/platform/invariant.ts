/** For states the code makes impossible; never for user input (that is a coded GraphQL error). */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Invariant failed: ${message}`);
}
