/**
 * The floor of `npm run bench:query`: a minimal node:http server that runs each query's SQL
 * with postgres.js (prepared statements, a pool of 10 like the hub's) and answers JSON. No
 * GraphQL, no authentication, no permissions: what the database and the driver allow.
 *
 *   GET /q1?street=320613006                          the street's 20 latest alerts with unit and device
 *   GET /q2?community=320613006001                    the community's 20 latest open cases with their history
 *   GET /q3?district=320613&from=ISO&to=ISO           alert counts by street and day (Asia/Shanghai)
 *
 * Environment: DATABASE_URL, PORT (0 → any free port; the port is printed as `listening <port>`).
 */
import { createServer } from 'node:http';
import postgres from 'postgres';
import { q1Alerts } from './q1.js';

const sql = postgres(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/gridhub_bench', {
  max: 10,
  onnotice: () => {},
  connection: { application_name: 'bench-floor' },
});

/** `occurredAt` is a Date: JSON.stringify writes it as its ISO string (Date's toJSON). */
function q1(street: string): Promise<unknown> {
  return q1Alerts(sql, street);
}

/** Not CLOSED or REJECTED: every state a case can still leave. */
const OPEN_STATES = ['REPORTED', 'REGISTERED', 'DISPATCHED', 'IN_PROGRESS', 'RESOLVED', 'VERIFIED', 'SUSPENDED'];

async function q2(community: string): Promise<unknown> {
  const rows = await sql`
    select c.id, c.number, c.title, c.category, c.severity, c.state, c.opened_at as "openedAt", c.deadline_at as "deadlineAt",
           u.code as "assigneeCode", u.name as "assigneeName",
           (select coalesce(json_agg(json_build_object('seq', h.seq, 'action', h.action, 'actor', h.actor, 'at', h.at, 'fromState', h.from_state,
                                                       'toState', h.to_state, 'note', h.note) order by h.seq), '[]')
              from case_history h where h.case_id = c.id) as history
    from cases c
    join units u on u.code = c.assignee_code
    where c.community_code = ${community} and c.state = any(${OPEN_STATES})
    order by c.opened_at desc, c.id desc
    limit 20`;
  return rows.map((r) => ({
    id: r['id'],
    number: r['number'],
    title: r['title'],
    category: r['category'],
    severity: r['severity'],
    state: r['state'],
    openedAt: (r['openedAt'] as Date).toISOString(),
    deadlineAt: (r['deadlineAt'] as Date).toISOString(),
    assignee: { code: r['assigneeCode'], name: r['assigneeName'] },
    history: (r['history'] as { at: string }[]).map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
  }));
}

async function q3(district: string, from: string, to: string): Promise<unknown> {
  // Grouped in a materialized CTE, then sorted: the planner hashes the groups of one range
  // scan instead of sorting the month's 82,200 rows (the shape gridhub's alertCounts takes).
  const rows = await sql`
    with grouped as materialized (
      select street_code as "unitCode", to_char((occurred_at at time zone 'Asia/Shanghai')::date, 'YYYY-MM-DD') as day, count(*)::int as count
      from alerts
      where district_code = ${district} and occurred_at >= ${from}::timestamptz and occurred_at < ${to}::timestamptz
      group by 1, 2)
    select * from grouped order by 1, 2`;
  return rows;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  const params = url.searchParams;
  const work =
    url.pathname === '/q1'
      ? q1(params.get('street') ?? '')
      : url.pathname === '/q2'
        ? q2(params.get('community') ?? '')
        : url.pathname === '/q3'
          ? q3(params.get('district') ?? '', params.get('from') ?? '', params.get('to') ?? '')
          : Promise.reject(new Error(`no route ${url.pathname}`));
  work.then(
    (data) => {
      const body = JSON.stringify({ data });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
    (error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    },
  );
});

server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  void sql.end({ timeout: 2 }).then(() => process.exit(0));
});
