/**
 * Every topic the hub publishes, with its payload. Payloads name records (ids), never carry
 * them: NOTIFY holds under 8,000 bytes, and each process loads the records once.
 */
export interface Topics {
  /** New alerts were committed. */
  alertRaised: { ids: string[] };
  /** Devices whose status changed (ONLINE, OFFLINE, FAULT): a heartbeat, or the silence sweeper. */
  deviceStatusChanged: { ids: string[] };
  /** Cases were opened, moved through the workflow or escalated; subscribers get their state after the change. */
  caseChanged: { ids: string[] };
  /**
   * Who may see what changed: a grant to a unit or department was made, revoked or expired, an
   * API key was revoked, or a principal was changed. Open connections of those principals
   * rebuild their ability (or close, for a revoked key).
   */
  accessChanged: { granteeUnitCode?: string; granteeDepartmentCode?: string; apiKeyId?: string; principal?: string };
}
export type Topic = keyof Topics & string;
