/**
 * Every topic the hub publishes, with its payload. Payloads name records (ids), never carry
 * them: NOTIFY holds under 8,000 bytes, and each process loads the records once.
 */
export interface Topics {
  /** New alerts were committed. */
  alertRaised: { ids: string[] };
}
export type Topic = keyof Topics & string;
