// The printable page of an analysis report: GET /reports/:id. One self-contained HTML document
// (inline CSS and SVG, no script, nothing from another host), so it prints and works on an
// intranet with no internet.
//
// Who may open it — the same rules as `report(id)`, for one of two credentials:
// - `Authorization: Bearer <token>` (scripts, curl);
// - `?access_token=<link token>` from `Report.printUrl`: a browser cannot send a header when
//   a link is opened, and a bearer token in a URL would end up in browser history, proxy logs
//   and Referer headers while opening the whole API for hours. A link token names one report
//   and one principal, expires after 10 minutes, and is signed with a key of its own (it is
//   refused by /graphql, and a bearer token is refused here as a link).
import { Router, type Request, type Response } from 'express';
import type { GraphQLError } from 'graphql';
import type { Hub, RequestContext } from '../platform/context.js';
import { ErrorCode, httpStatusOf, isKnownCode } from '../platform/errors.js';
import { callerOf, closeScope, noteDenials, openScope, openScopeAs } from '../server/scope.js';
import { loadPrincipal } from '../modules/principals/index.js';
import { createUnitLoaders } from '../modules/units/index.js';
import { getReport, renderReportPage, verifyReportLink } from '../modules/reports/index.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The codes the page answers with their own status; any other failure is unexpected (500). */
const PAGE_CODES: ReadonlySet<ErrorCode> = new Set([ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.BAD_USER_INPUT]);
const MESSAGES: Partial<Record<string, string>> = {
  [ErrorCode.UNAUTHENTICATED]: '请先登录：链接无效或已过期，请在系统中重新获取打印链接。',
  [ErrorCode.FORBIDDEN]: '无权查看该报告。',
  [ErrorCode.NOT_FOUND]: '报告不存在或不在您的查看范围内。',
};

function page(status: number, message: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${status}</title></head><body><p>${message}</p></body></html>`;
}

/** The request scope of the page: a bearer token (or API key) in `Authorization`, else a link token for this report. */
async function openPageScope(hub: Hub, req: Request, reportId: string): Promise<RequestContext> {
  const caller = callerOf(req, { apiKeyHeader: false });
  const link = typeof req.query['access_token'] === 'string' ? req.query['access_token'] : undefined;
  if (caller.authorization !== undefined || link === undefined) return openScope(hub, caller);
  const { principalName, expiresAt } = await verifyReportLink(hub, link, reportId);
  const principal = { ...(await loadPrincipal(hub.database.db, principalName, expiresAt)), credential: { kind: 'JWT' as const, id: null } };
  return openScopeAs(hub, principal, caller);
}

/** The page's status and text for a failure; unexpected ones are logged and answered 500. */
function failure(hub: Hub, error: unknown): { status: number; message: string } {
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  const known = isKnownCode(code) && PAGE_CODES.has(code) ? code : undefined;
  if (known === undefined) hub.log.error('report page failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return { status: known ? httpStatusOf(known) : 500, message: (known && MESSAGES[known]) || '服务暂时不可用。' };
}

export function reportPageRouter(hub: Hub): Router {
  const router = Router();
  router.get('/:id', async (req: Request<{ id: string }>, res: Response) => {
    res.set({ 'content-security-policy': CSP, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' });
    res.type('html');
    let ctx: RequestContext | undefined;
    let status: number;
    let html: string;
    try {
      ctx = await openPageScope(hub, req, req.params.id);
      if (ctx.principal.kind === 'ANONYMOUS') {
        status = 401;
        html = page(401, MESSAGES[ErrorCode.UNAUTHENTICATED] as string);
      } else {
        const report = await getReport(ctx, req.params.id);
        const unit = await ctx.loaders.of(createUnitLoaders).unitByCode.load(report.unitCode);
        status = 200;
        html = renderReportPage(report, unit?.name ?? report.unitCode);
      }
    } catch (error) {
      if (ctx && (error as GraphQLError | undefined)?.extensions) noteDenials(ctx, [error as GraphQLError]);
      ({ status, message: html } = failure(hub, error));
      html = page(status, html);
    }
    const refused = ctx ? await closeScope(ctx) : undefined;
    if (refused) ({ status, message: html } = failure(hub, refused));
    if (refused) html = page(status, html);
    res.status(status).send(html);
  });
  return router;
}
