/**
 * What a request did with personal data and what it was refused, noted while resolvers run
 * and written to the audit log once the response (or a subscription event) is sent.
 *
 * Terminology
 * - disclosure: a personal field returned with its full value (unmasked) for one record.
 * - denial: an attempt the rules refused — FORBIDDEN, or a NOT_FOUND that hid a record that
 *   exists outside the caller's scope.
 */
export interface Disclosure {
  kind: string;
  /** record id → the personal fields returned unmasked */
  records: Map<string, Set<string>>;
}

export interface Denial {
  /** What was refused: the action (`read`, `ingest`, `acknowledge`, …). */
  operation: string;
  kind: string;
  recordId: string | null;
  reason: string;
  /** Anything else worth keeping (e.g. the response path of a FORBIDDEN error). */
  details?: Record<string, unknown>;
}

export class AccessLedger {
  private readonly disclosures = new Map<string, Disclosure>();
  private denials: Denial[] = [];
  /** The purpose stated in a query's `purpose` argument; it outranks the request's `x-purpose`. */
  private statedPurpose: string | undefined;

  statePurpose(purpose: string | null | undefined): void {
    const text = purpose?.trim();
    if (text) this.statedPurpose = [...text].slice(0, 500).join('');
  }

  get purpose(): string | undefined {
    return this.statedPurpose;
  }

  disclosed(kind: string, id: string, field: string): void {
    let entry = this.disclosures.get(kind);
    if (!entry) this.disclosures.set(kind, (entry = { kind, records: new Map() }));
    let fields = entry.records.get(id);
    if (!fields) entry.records.set(id, (fields = new Set()));
    fields.add(field);
  }

  denied(denial: Denial): void {
    this.denials.push(denial);
  }

  /** Everything noted since the last drain, and forget it (a subscription drains per event). */
  drain(): { disclosures: Disclosure[]; denials: Denial[] } {
    const out = { disclosures: [...this.disclosures.values()], denials: this.denials };
    this.disclosures.clear();
    this.denials = [];
    return out;
  }

  get empty(): boolean {
    return this.disclosures.size === 0 && this.denials.length === 0;
  }
}
