/**
 * Masked forms of personal data (PIPL "minimum necessary"): enough to tell records apart and
 * to route work, never enough to identify or reach the person. A masked field keeps its
 * place in the answer — it is never silently null.
 *
 * Terminology
 * - personal field: a field of a record type that holds personal data; each type lists its
 *   own, with the masking that applies (`PersonalFields`).
 * - unmask: the CASL action that lets a principal see a personal field's full value.
 */
export type Masker = (value: string) => string;

/** `13812341234` → `138****1234`; other lengths keep the first 3 and last 4 when they can. */
export const maskPhone: Masker = (value) => {
  const digits = value.trim();
  if (digits.length <= 4) return '*'.repeat(digits.length);
  if (digits.length <= 7) return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 7)}${digits.slice(-4)}`;
};

/** `张三` → `张*`, `欧阳娜娜` → `欧***`: the first character stays. */
export const maskName: Masker = (value) => {
  const chars = [...value.trim()];
  if (chars.length === 0) return '';
  return `${chars[0]}${'*'.repeat(Math.max(chars.length - 1, 1))}`;
};

/** `320613198001011234` → `320613********1234`: the region (first 6) and the last 4 stay. */
export const maskIdNumber: Masker = (value) => {
  const chars = [...value.trim()];
  if (chars.length <= 10) return '*'.repeat(chars.length);
  return `${chars.slice(0, 6).join('')}${'*'.repeat(chars.length - 10)}${chars.slice(-4).join('')}`;
};

/**
 * An address cut to the building: `崇川区曙光新村12幢3单元401室` → `崇川区曙光新村12幢****`.
 * Without a building marker, the part before the first house number stays.
 */
export const maskAddress: Masker = (value) => {
  const text = value.trim();
  const building = /^(.*?\d+\s*(?:幢|栋|号楼|座))/.exec(text);
  if (building?.[1]) return building[1].length === text.length ? text : `${building[1]}****`;
  const number = /\d/.exec(text);
  if (number && number.index > 0) return `${text.slice(0, number.index)}****`;
  return '****';
};

/** The personal fields of one record type and how each is masked. */
export type PersonalFields = Readonly<Record<string, Masker>>;
