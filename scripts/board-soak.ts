// Soak of the board (/board), run by hand, never in CI:
//
//   npm start                      # the embedded demo (it has the demo sign-in), in another terminal
//   npx tsx scripts/board-soak.ts --url http://127.0.0.1:4000 --minutes 10 [--rate 5] [--viewer xuetian.officer]
//
// Opens the board in headless Chromium (Debian's /usr/bin/chromium) as the viewer, ingests
// `rate` alerts per second into the viewer's street as the demo's `iot-platform` adapter for
// `minutes`, and every 15 s samples the page: its JS heap after a forced garbage collection
// (CDP HeapProfiler.collectGarbage, then Performance.getMetrics JSHeapUsedSize), the DOM node
// count, and how many items the alert stream holds. Prints one line per sample, then a summary:
// a heap that keeps growing from the first minute to the last, or a stream longer than the
// page's cap, is a leak.
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4000' },
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5' },
    viewer: { type: 'string', default: 'xuetian.officer' },
    adapter: { type: 'string', default: 'iot-platform' },
    /** Where the alerts happen: grids of the viewer's unit, comma-separated. */
    places: { type: 'string', default: '320613006001001,320613006002001,320613006003002,320613006004003,320613006005001' },
  },
});

const base = values.url.replace(/\/+$/, '');
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const places = values.places.split(',');
const TYPES = ['SMOKE', 'MANHOLE_TILT', 'EBIKE_IN_ELEVATOR', 'THROWN_FROM_HEIGHT', 'GARBAGE_ROOM_FULL', 'PARKING_VIOLATION'];
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

async function demoToken(principal: string): Promise<string> {
  const response = await fetch(`${base}/auth/demo/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ principal }) });
  const body = (await response.json()) as { token?: string };
  if (!body.token) throw new Error(`no demo token for ${principal} (HTTP ${response.status}): is ${base} the embedded demo?`);
  return body.token;
}

async function ingest(token: string, record: Record<string, unknown>): Promise<boolean> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'mutation($input: IngestAlertsInput!) { ingestAlerts(input: $input) { accepted } }', variables: { input: { source: values.adapter, records: [record] } } }),
  }).catch(() => undefined);
  const answer = (await response?.json().catch(() => undefined)) as { data?: { ingestAlerts?: { accepted: number } } } | undefined;
  return answer?.data?.ingestAlerts?.accepted === 1;
}

interface Sample {
  readonly second: number;
  readonly heapMb: number;
  readonly nodes: number;
  readonly streamItems: number;
  readonly sent: number;
}

async function sample(page: Page, started: number, sent: number): Promise<Sample> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
  return {
    second: Math.round((Date.now() - started) / 1000),
    heapMb: Math.round((metric('JSHeapUsedSize') / 1048576) * 10) / 10,
    nodes: metric('Nodes'),
    streamItems: await page.locator('#stream li.alert').count(),
    sent,
  };
}

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(`${base}/board`);
  await page.locator('[data-role="demo-principal"]').selectOption(values.viewer);
  await page.locator('[data-action="demo-sign-in"]').click();
  await page.locator('#board[data-state="ready"][data-live="up"]').waitFor({ timeout: 60_000 });

  let token = await demoToken(values.adapter);
  let tokenAt = Date.now();
  const started = Date.now();
  const end = started + minutes * 60_000;
  const samples: Sample[] = [await sample(page, started, 0)];
  let sent = 0;
  let failed = 0;
  let nextSample = started + 15_000;
  console.log('second  heapMB  nodes  stream  sent');
  const print = (s: Sample) => console.log(`${String(s.second).padStart(6)}  ${String(s.heapMb).padStart(6)}  ${String(s.nodes).padStart(5)}  ${String(s.streamItems).padStart(6)}  ${s.sent}`);
  print(samples[0]!);

  // Requests go out on the schedule, without waiting for the one before (at most 50 in flight):
  // a slow hub lowers the rate achieved only when it cannot keep up at all.
  const inFlight = new Set<Promise<void>>();
  let scheduled = 0;
  while (Date.now() < end) {
    const due = started + scheduled * (1000 / rate);
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    if (Date.now() - tokenAt > 5 * 60_000) [token, tokenAt] = [await demoToken(values.adapter), Date.now()];
    if (inFlight.size >= 50) await Promise.race(inFlight);
    const n = scheduled++;
    const record = {
      externalId: `soak-${started}-${n}`,
      type: TYPES[n % TYPES.length],
      severity: SEVERITIES[n % SEVERITIES.length],
      unitCode: places[n % places.length],
      occurredAt: new Date().toISOString(),
      location: { lat: 32.0 + (n % 50) / 1000, lng: 120.86 + (n % 37) / 1000 },
    };
    const request = ingest(token, record).then((ok) => {
      if (ok) sent++;
      else failed++;
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
    if (Date.now() >= nextSample) {
      nextSample += 15_000;
      const s = await sample(page, started, sent);
      samples.push(s);
      print(s);
    }
  }
  await Promise.all(inFlight);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const last = await sample(page, started, sent);
  samples.push(last);
  print(last);

  const afterFirstMinute = samples.filter((s) => s.second >= 60);
  const heaps = afterFirstMinute.map((s) => s.heapMb);
  console.log(`\nalerts sent: ${sent} (${failed} failed) in ${minutes} min at ${rate}/s`);
  console.log(`stream items: at most ${Math.max(...samples.map((s) => s.streamItems))} (the page's cap: ${await page.evaluate(() => JSON.parse((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('page-data').textContent).streamCap)})`);
  if (heaps.length > 0) console.log(`JS heap after GC from minute 1: min ${Math.min(...heaps)} MB, max ${Math.max(...heaps)} MB, last ${heaps.at(-1)} MB (first sample ${samples[0]!.heapMb} MB)`);
  console.log(`board's today count: ${await page.locator('#alerts-today').innerText()}`);
  await browser.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
