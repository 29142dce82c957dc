import { Ability, AbilityBuilder, buildMongoQueryMatcher, fieldPatternMatcher } from '@casl/ability';
import { isWithin } from './scope.js';

/**
 * Terminology
 * - action: what a principal does to a subject (`read`, `ingest`, `acknowledge`, …).
 * - subject: a record kind by name (`Alert`) or a record tagged with its kind.
 * - `$within`: the unit-subtree operator; `{ unitPath: { $within: path } }` holds for records
 *   whose `unitPath` is that path or below it. Translated to SQL by `abilityToSql`.
 */
export type Action = string;
export type SubjectName = string;
export type AppAbility = Ability<[Action, SubjectName | object], Record<string, unknown>>;

const withinInstruction = {
  type: 'field' as const,
  validate(instruction: { name: string }, value: unknown) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`${instruction.name} expects a unit path`);
  },
};

const conditionsMatcher = buildMongoQueryMatcher(
  { $within: withinInstruction },
  {
    within: (node: { field: string; value: unknown }, object: unknown, { get }: { get: (o: unknown, f: string) => unknown }) => {
      const path = get(object, node.field);
      return typeof path === 'string' && isWithin(path, node.value as string);
    },
  } as never,
);

/** Records are tagged with `subject(name, record)`; the tag names their kind. */
function detectSubjectType(subject: unknown): string {
  const tagged = (subject as { __caslSubjectType__?: string } | undefined)?.__caslSubjectType__;
  if (typeof subject === 'string') return subject;
  if (tagged) return tagged;
  throw new TypeError('untagged subject: wrap records with subject(kind, record)');
}

export function createAbilityBuilder(): AbilityBuilder<AppAbility> {
  return new AbilityBuilder<AppAbility>(Ability as never);
}

/**
 * Abilities built from the same rules, by rule set (the rules as JSON). An ability depends on
 * nothing but its rules and is never changed once built (nothing here calls `update`), so every
 * request and WebSocket connection whose principal, roles, unit, department and grants yield the
 * same rules shares one: the 10,000 live connections of a city hold a few hundred abilities, not
 * 10,000. An entry lives as long as someone holds its ability.
 */
const built = new Map<string, WeakRef<AppAbility>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (built.get(key)?.deref() === undefined) built.delete(key);
});

export function buildAbility(builder: AbilityBuilder<AppAbility>): AppAbility {
  const key = JSON.stringify(builder.rules);
  const existing = built.get(key)?.deref();
  if (existing) return existing;
  const ability = builder.build({ conditionsMatcher: conditionsMatcher as never, fieldMatcher: fieldPatternMatcher, detectSubjectType });
  built.set(key, new WeakRef(ability));
  forget.register(ability, key);
  return ability;
}

export { subject } from '@casl/ability';
