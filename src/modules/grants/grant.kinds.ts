import type { GrantableKind } from '../../platform/module.js';

/**
 * What can be shared by a grant, per record kind (the GrantKind value): each record module names
 * its own in its manifest (`grantable`), and the module list hands them all to `shareKinds` as
 * it is loaded (src/modules/index.ts), before the schema is built. Grants itself knows no
 * record module.
 */
export const GRANTABLE_KINDS: Record<string, GrantableKind> = {};

/** The GrantKind enum's object (value → value), filled with GRANTABLE_KINDS; type-graphql reads it when the schema is built. */
export const GrantKindValues: Record<string, string> = {};

/** The GrantKind values' descriptions, filled with GrantKindValues (type-graphql reads both at build time). */
export const GrantKindDescriptions: Record<string, { description: string }> = {};

export type GrantKindName = string;

function describeKind(kind: GrantableKind): string {
  const personal = kind.personalFields.length ? `personal fields: ${kind.personalFields.join(', ')}` : 'no personal fields';
  return `${kind.subject} records; ${personal}.`;
}

/** Makes `kinds` shareable by grants. A kind given twice is a mistake in the module list. */
export function shareKinds(kinds: Readonly<Record<string, GrantableKind>>): void {
  for (const [name, kind] of Object.entries(kinds)) {
    if (Object.hasOwn(GRANTABLE_KINDS, name)) throw new Error(`Invariant failed: grant kind ${name} is given by two modules`);
    GRANTABLE_KINDS[name] = kind;
    GrantKindValues[name] = name;
    GrantKindDescriptions[name] = { description: describeKind(kind) };
  }
}

export function kindOfSubject(subjectName: string): GrantKindName | undefined {
  return Object.keys(GRANTABLE_KINDS).find((kind) => GRANTABLE_KINDS[kind]!.subject === subjectName);
}
