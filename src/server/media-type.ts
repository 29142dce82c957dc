/**
 * GraphQL-over-HTTP's two response types. Terminology
 * - legacy: `application/json`, what clients written before the spec ask for (or get without an
 *   `Accept`). The spec has such a client read every GraphQL answer from a 200: a document that
 *   does not parse or validate, or variables that do not fit, answer 200 with `errors`.
 * - watershed: `application/graphql-response+json`. The status tells: those same failures
 *   answer 4xx (400), with the same body.
 */
export const JSON_TYPE = 'application/json';
export const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

interface Range {
  type: string;
  q: number;
  order: number;
}

function rangesOf(accept: string): Range[] {
  return accept.split(',').flatMap((part, order) => {
    const [type = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (type === '') return [];
    const qParam = params.find((param) => param.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return [{ type, q: Number.isFinite(q) ? q : 0, order }];
  });
}

/** How well `accept` takes `media`: the most specific range that matches it decides (RFC 9110 §12.5.1). */
function weightOf(ranges: readonly Range[], media: string): { q: number; order: number } {
  const [major] = media.split('/');
  const match = ranges.find((r) => r.type === media) ?? ranges.find((r) => r.type === `${major}/*`) ?? ranges.find((r) => r.type === '*/*');
  return match ? { q: match.q, order: match.type === media ? match.order : Number.MAX_SAFE_INTEGER } : { q: 0, order: Number.MAX_SAFE_INTEGER };
}

/**
 * The type a single GraphQL answer is sent as, chosen as Apollo Server chooses it (it keeps a
 * type already set): no `Accept` → legacy; otherwise the higher quality, then the type the
 * client named first, then legacy. `undefined` when `Accept` takes neither (Apollo answers 406).
 */
export function responseTypeFor(accept: string | undefined): string | undefined {
  if (accept === undefined || accept.trim() === '') return JSON_TYPE;
  const ranges = rangesOf(accept);
  const json = weightOf(ranges, JSON_TYPE);
  const graphql = weightOf(ranges, GRAPHQL_RESPONSE_TYPE);
  if (json.q <= 0 && graphql.q <= 0) return undefined;
  if (graphql.q > json.q || (graphql.q === json.q && graphql.order < json.order)) return GRAPHQL_RESPONSE_TYPE;
  return JSON_TYPE;
}
