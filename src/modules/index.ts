import type { HubModule, TablesOf } from '../platform/module.js';
import { unitsModule } from './units/index.js';
import { principalsModule } from './principals/index.js';
import { categoriesModule } from './categories/index.js';
import { auditModule } from './audit/index.js';
import { ingestModule } from './ingest/index.js';
import { alertsModule } from './alerts/index.js';
import { devicesModule } from './devices/index.js';
import { channelsModule } from './channels/index.js';
import { requestsModule } from './requests/index.js';
import { casesModule } from './cases/index.js';
import { patrolsModule } from './patrols/index.js';
import { reportsModule } from './reports/index.js';
import { statsModule } from './stats/index.js';
import { apiKeysModule } from './apikeys/index.js';
import { grantsModule, shareKinds } from './grants/index.js';
import { open311Module } from './open311/index.js';
import { watchdogModule } from './watchdog/index.js';
import { directoryModule } from './directory/index.js';
import { nodesModule } from './nodes/index.js';

/**
 * Every feature module of the hub, once. The schema (src/schema.ts), the policy
 * (src/policy.ts), the tables (src/tables.ts), the kinds grants can share, the kinds
 * `gridhub push` sends (src/push/kinds.ts), the hook points and the periodic jobs (src/main.ts)
 * are made from these manifests, in this order. A new module is one line here.
 */
export const MODULES = [
  unitsModule,
  principalsModule,
  categoriesModule,
  auditModule,
  ingestModule,
  alertsModule,
  devicesModule,
  channelsModule,
  requestsModule,
  casesModule,
  patrolsModule,
  reportsModule,
  statsModule,
  apiKeysModule,
  grantsModule,
  open311Module,
  watchdogModule,
  directoryModule,
  nodesModule,
] as const satisfies readonly HubModule[];

export type ModuleTables = TablesOf<typeof MODULES>;

// Grants share what the record modules declare shareable; grants itself imports none of them.
shareKinds(Object.assign({}, ...MODULES.map((module: HubModule) => module.grantable ?? {})));
