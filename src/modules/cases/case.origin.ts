import { and, eq } from 'drizzle-orm';
import type { RequestContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import { isUuid } from '../../platform/db/ids.js';
import { subject } from '../../platform/auth/ability.js';
import { BadUserInputError, NotFoundError } from '../../platform/errors.js';
import { unitsByCodes, type UnitRow } from '../units/index.js';
import { alerts, type SeverityName } from '../alerts/index.js';
import { residentRequests, type RequestCategoryName } from '../requests/index.js';
import { findingsByIds } from '../patrols/index.js';
import type { EventCategoryName } from '../categories/index.js';
import { ALERT_TYPE_CATEGORY, ALERT_TYPE_TITLE } from './case.catalog.js';
import { cases, type CaseOriginName, type CaseRow } from './case.table.js';
import type { OpenCaseInput } from './case.input.js';

/* What a new case takes from its origin: an alert, a resident request, a patrol finding, or the input by hand. */

const REQUEST_CATEGORY_EVENT: Record<RequestCategoryName, EventCategoryName> = {
  HAZARD: 'SAFETY_HAZARD',
  COMPLAINT: 'CITY_APPEARANCE',
  HELP: 'PUBLIC_SERVICE',
  SUGGESTION: 'PUBLIC_SERVICE',
};

interface OriginDefaults {
  kind: CaseOriginName;
  id: string | null;
  unitPath: string;
  title: string;
  description: string;
  category: EventCategoryName;
  severity: SeverityName | null;
  lat: number | null;
  lng: number | null;
  reporterName: string | null;
  reporterPhone: string | null;
}

export async function existingCaseFor(db: Executor, kind: CaseOriginName, id: string): Promise<CaseRow | undefined> {
  const [row] = await db.select().from(cases).where(and(eq(cases.originKind, kind), eq(cases.originId, id))).limit(1);
  return row;
}

/** What the origin named in the input gives the case; NOT_FOUND for an origin the caller may not read. */
export async function originOf(ctx: RequestContext, input: OpenCaseInput): Promise<OriginDefaults> {
  const named = [input.alertId, input.requestId, input.findingId].filter((v) => v != null);
  if (named.length > 1) throw new BadUserInputError('Name at most one of alertId, requestId, findingId', 'input');
  if (input.alertId != null) {
    const [row] = isUuid(input.alertId) ? await ctx.db.select().from(alerts).where(eq(alerts.id, input.alertId)) : [];
    if (!row || !ctx.ability.can('read', subject('Alert', { ...row }))) throw new NotFoundError('Alert', input.alertId);
    return {
      kind: 'ALERT', id: row.id, unitPath: row.unitPath, title: ALERT_TYPE_TITLE[row.type], description: '', category: ALERT_TYPE_CATEGORY[row.type],
      severity: row.severity, lat: row.lat, lng: row.lng, reporterName: null, reporterPhone: null,
    };
  }
  if (input.requestId != null) {
    const [row] = isUuid(input.requestId) ? await ctx.db.select().from(residentRequests).where(eq(residentRequests.id, input.requestId)) : [];
    if (!row || !ctx.ability.can('read', subject('ResidentRequest', { id: row.id, unitPath: row.unitPath, type: row.category, status: row.status }))) {
      throw new NotFoundError('ResidentRequest', input.requestId);
    }
    return {
      kind: 'RESIDENT_REQUEST', id: row.id, unitPath: row.unitPath, title: [...row.text].slice(0, 40).join(''), description: row.text,
      category: REQUEST_CATEGORY_EVENT[row.category], severity: null, lat: row.lat, lng: row.lng, reporterName: row.contactName, reporterPhone: row.contactPhone,
    };
  }
  if (input.findingId != null) {
    const [row] = await findingsByIds(ctx.db, [input.findingId]);
    if (!row || !ctx.ability.can('read', subject('PatrolReport', { unitPath: row.unitPath }))) throw new NotFoundError('PatrolFinding', input.findingId);
    return {
      kind: 'PATROL_FINDING', id: row.id, unitPath: row.unitPath, title: [...row.description].slice(0, 40).join(''), description: row.description,
      category: row.category, severity: row.severity, lat: row.lat, lng: row.lng, reporterName: null, reporterPhone: null,
    };
  }
  if (!input.unitCode) throw new BadUserInputError('A case by hand needs unitCode', 'input.unitCode');
  const unit: UnitRow | undefined = (await unitsByCodes(ctx.db, [input.unitCode])).get(input.unitCode);
  if (!unit) throw new BadUserInputError(`No unit has code ${input.unitCode}`, 'input.unitCode');
  if (!input.title) throw new BadUserInputError('A case by hand needs a title', 'input.title');
  if (!input.category) throw new BadUserInputError('A case by hand needs a category', 'input.category');
  if (!input.severity) throw new BadUserInputError('A case by hand needs a severity', 'input.severity');
  return {
    kind: 'MANUAL', id: null, unitPath: unit.path, title: '', description: '', category: input.category, severity: input.severity,
    lat: null, lng: null, reporterName: null, reporterPhone: null,
  };
}
