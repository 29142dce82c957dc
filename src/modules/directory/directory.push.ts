import type { PushKind } from '../../platform/module.js';

/** `gridhub push --kind units`: the directory → importUnits, one batch at a time (parents first). */
export const unitsPush: PushKind = {
  name: 'units',
  mutation: 'importUnits',
  inputType: 'ImportUnitsInput',
  csvColumns: { code: 'string', name: 'string', parentCode: 'string', tier: 'string', successorCode: 'string' },
  fromCsv: (cells) => ({ ...cells }),
  inOrder: true,
};

/**
 * `gridhub push --kind departments`: departments → importDepartments. The optional `domains`
 * cell lists kinds separated by `;`, each optionally narrowed to types after `:` separated by
 * `|`: `Alert:SMOKE|HYDRANT_PRESSURE_LOW;Device`.
 */
export const departmentsPush: PushKind = {
  name: 'departments',
  mutation: 'importDepartments',
  inputType: 'ImportDepartmentsInput',
  csvColumns: { code: 'string', name: 'string', jurisdictionCode: 'string', domains: 'string' },
  fromCsv: ({ domains, ...rest }) => ({ ...rest, ...(typeof domains === 'string' && domains.trim() ? { domains: domainsCell(domains) } : {}) }),
};

function domainsCell(cell: string): { kind: string; types: string[] | null }[] {
  return cell
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [kind = '', types] = part.split(':');
      return { kind: kind.trim(), types: types === undefined ? null : types.split('|').map((t) => t.trim()).filter(Boolean) };
    });
}

/** `gridhub push --kind principals`: staff and adapters → importPrincipals (roles `;`-separated in CSV). */
export const principalsPush: PushKind = {
  name: 'principals',
  mutation: 'importPrincipals',
  inputType: 'ImportPrincipalsInput',
  csvColumns: { name: 'string', kind: 'string', roles: 'string', unitCode: 'string', department: 'string', displayName: 'string', disabled: 'string' },
  fromCsv: ({ roles, disabled, ...rest }) => ({
    ...rest,
    roles: typeof roles === 'string' ? roles.split(';').map((role) => role.trim()).filter(Boolean) : [],
    ...(disabled === undefined ? {} : { disabled: booleanCell(disabled) }),
  }),
};

/** true/false, yes/no, 1/0; anything else is passed on for the schema check to name. */
function booleanCell(value: unknown): unknown {
  const text = String(value).trim().toLowerCase();
  if (['true', 'yes', '1'].includes(text)) return true;
  if (['false', 'no', '0'].includes(text)) return false;
  return value;
}
