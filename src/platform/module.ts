import type { AbilityBuilder } from '@casl/ability';
import type { AppAbility } from './auth/ability.js';
import type { Principal } from './auth/principal.js';
import type { Job } from './scheduler.js';
import type { Hooks } from './hooks.js';
import type { Hub } from './context.js';

/**
 * Terminology
 * - manifest: what a feature module offers the hub, exported by its `index.ts` (`alertsModule`):
 *   the hub's seven lists — the schema's resolvers, the policy's rules, the tables, the
 *   grantable kinds, the push kinds, the periodic jobs and the demo data — are made from the
 *   manifests of `src/modules/index.ts`, which lists every module once.
 * - hook: a point where one module lets others join its work without importing them (the
 *   alerts' insert lets the case rules open cases in the same transaction). The module that
 *   owns the point declares its name and type in `Hooks` (platform/hooks.ts), beside its own
 *   code; a module that joins in names its function under that name in its manifest's `hooks`.
 *   The hub hands the owner every function given for a name, in the order of the module list.
 */

/** A type-graphql resolver class. */
export type ResolverClass = abstract new (...args: never[]) => unknown;

/** A module's CASL rules for a principal (deny by default: rules only ever allow). */
export type PolicyRules = (principal: Principal, builder: AbilityBuilder<AppAbility>) => void;

/**
 * A record kind a grant can share: its CASL subject name, the values its `types` may name (they
 * restrict the subject's `type`), and its personal fields (which `fields` may name to see them
 * unmasked).
 */
export interface GrantableKind {
  readonly subject: string;
  readonly types: readonly string[];
  readonly personalFields: readonly string[];
}

/** A CSV cell's value: empty cells are absent; typed columns are parsed. */
export type CsvColumnType = 'string' | 'float' | 'int' | 'json';

/**
 * What `gridhub push --kind <name>` sends: records of the ingest mutation's `input.records`,
 * checked against the schema's own input type of a record before they leave (a bad line is
 * rejected alone). NDJSON lines are records as they are; a CSV row is read by `csvColumns` and
 * made a record by `fromCsv`.
 */
export interface PushKind {
  /** `--kind` value. */
  readonly name: string;
  /** The ingest mutation, e.g. `ingestAlerts`. */
  readonly mutation: string;
  /** Its `input` argument's type, e.g. `IngestAlertsInput` (`{ source, records, atomic }`). */
  readonly inputType: string;
  /** CSV: the header names and how each cell is read. */
  readonly csvColumns: Readonly<Record<string, CsvColumnType>>;
  /** CSV: the record made of a row's typed cells (absent cells are left out). */
  fromCsv(cells: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** Records refer to earlier lines of the file (a unit's parent): one batch in flight at a time, whatever --concurrency says. */
  readonly inOrder?: boolean;
}

export type HookEntries = { readonly [Name in keyof Hooks]?: Hooks[Name] };

/** What a module offers the hub; every entry is optional. */
export interface HubModule {
  /** The module's folder name. */
  readonly name: string;
  /** The GraphQL API: type-graphql resolver classes. */
  readonly resolvers?: readonly ResolverClass[];
  /** What each principal may do with the module's records. */
  readonly rules?: PolicyRules;
  /** Its drizzle tables (and sequences), by the name code knows them by. */
  readonly tables?: Readonly<Record<string, object>>;
  /** The record kinds grants can share, by GrantKind value. */
  readonly grantable?: Readonly<Record<string, GrantableKind>>;
  /** What `gridhub push` can send of it. */
  readonly push?: readonly PushKind[];
  /** What it gives at other modules' hook points. */
  readonly hooks?: HookEntries;
  /** Work it runs periodically on every hub process. */
  readonly jobs?: readonly Job[];
  /** Registers its own metrics on the hub's registry when the hub is made (so they show from the first scrape). */
  readonly metrics?: (hub: Hub) => void;
  /**
   * Its live feeds (`hub.singles.of(factory)`): the hub opens each one's LISTEN at start-up, before
   * it accepts a connection, so that a subscription never waits for one.
   */
  readonly live?: readonly LiveFeedFactory[];
}

/** Makes a module's live feed once per hub (`hub.single`). */
export type LiveFeedFactory = (hub: Hub) => { listen(): Promise<void> };

/** A module's manifest, its literal types kept (the list's tables are typed from them). */
export function defineModule<const M extends HubModule>(manifest: M): M {
  return manifest;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every table of a list of modules, by name. */
export type TablesOf<Modules extends readonly HubModule[]> = UnionToIntersection<TablesOfOne<Modules[number]>>;
type TablesOfOne<M> = M extends { readonly tables: infer Tables } ? Tables : never;

/** What the modules give at each hook point, in the order of the list. */
export function hookRegistry(modules: readonly HubModule[]): <Name extends keyof Hooks>(name: Name) => readonly Hooks[Name][] {
  const byName = new Map<string, unknown[]>();
  for (const module of modules) {
    for (const [name, given] of Object.entries(module.hooks ?? {})) {
      if (given === undefined) continue;
      let list = byName.get(name);
      if (!list) byName.set(name, (list = []));
      list.push(given);
    }
  }
  return <Name extends keyof Hooks>(name: Name) => (byName.get(name) ?? []) as Hooks[Name][];
}
