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
import type { Hub } from '../platform/context.js';
import type { Principal } from '../platform/auth/principal.js';
import { ErrorCode } from '../platform/errors.js';
import { authenticate, createContext } from '../context.js';
import { accessFor } from '../access.js';
import { loadPrincipal } from '../modules/principals/index.js';
import { createUnitLoaders } from '../modules/units/index.js';
import { flushLedger } from '../modules/audit/index.js';
import { getReport, renderReportPage, verifyReportLink } from '../modules/reports/index.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STATUS: Partial<Record<string, number>> = { [ErrorCode.UNAUTHENTICATED]: 401, [ErrorCode.FORBIDDEN]: 403, [ErrorCode.NOT_FOUND]: 404, [ErrorCode.BAD_USER_INPUT]: 400 };
const MESSAGES: Partial<Record<string, string>> = {
  [ErrorCode.UNAUTHENTICATED]: '请先登录：链接无效或已过期，请在系统中重新获取打印链接。',
  [ErrorCode.FORBIDDEN]: '无权查看该报告。',
  [ErrorCode.NOT_FOUND]: '报告不存在或不在您的查看范围内。',
};

function page(status: number, message: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${status}</title></head><body><p>${message}</p></body></html>`;
}

async function principalOf(hub: Hub, req: Request, reportId: string): Promise<Principal> {
  const authorization = req.get('authorization');
  const link = typeof req.query['access_token'] === 'string' ? req.query['access_token'] : undefined;
  if (authorization !== undefined || link === undefined) return authenticate(hub, authorization);
  const { principalName, expiresAt } = await verifyReportLink(hub, link, reportId);
  return { ...(await loadPrincipal(hub.database.db, principalName, expiresAt)), credential: { kind: 'JWT', id: null } };
}

export function reportPageRouter(hub: Hub): Router {
  const router = Router();
  router.get('/:id', async (req: Request<{ id: string }>, res: Response) => {
    res.set({ 'content-security-policy': CSP, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' });
    res.type('html');
    try {
      const principal = await principalOf(hub, req, req.params.id);
      if (principal.kind === 'ANONYMOUS') {
        res.status(401).send(page(401, MESSAGES[ErrorCode.UNAUTHENTICATED] as string));
        return;
      }
      const ctx = createContext(hub, await accessFor(hub, principal), undefined);
      try {
        const report = await getReport(ctx, req.params.id);
        const unit = await ctx.loaders.of(createUnitLoaders).unitByCode.load(report.unitCode);
        res.status(200).send(renderReportPage(report, unit?.name ?? report.unitCode));
      } finally {
        await flushLedger(ctx);
      }
    } catch (error) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      const status = typeof code === 'string' ? STATUS[code] : undefined;
      if (status === undefined) hub.log.error('report page failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      res.status(status ?? 500).send(page(status ?? 500, (typeof code === 'string' && MESSAGES[code]) || '服务暂时不可用。'));
    }
  });
  return router;
}
