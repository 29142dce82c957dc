import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { PUSH_KINDS, recordTypeOf } from './kinds.js';
import { createSchema } from '../schema.js';
import { formatOf } from './reader.js';
import { endpointOf } from './client.js';
import { duration } from './progress.js';
import { push } from './push.js';
import { PushFatalError, type PushSummary } from './outcome.js';

const PUSH_USAGE = `gridhub push — send a file of records to a hub's ingest mutation, in batches

Usage:
  gridhub push --kind alerts --file data.ndjson|data.csv [options]

  --kind KIND             what the file holds: ${Object.keys(PUSH_KINDS).join(', ')}
  --file FILE             NDJSON (one JSON record a line) or CSV (a header row first)
  --format ndjson|csv     when the file name does not say (.ndjson/.jsonl/.json, .csv)
  --url URL               the hub (default $GRIDHUB_URL or http://localhost:4000/graphql)
  --key KEY               an API key, sent as "Authorization: ApiKey KEY" (or $GRIDHUB_API_KEY)
  --token JWT             a bearer token instead, e.g. from \`gridhub token iot-platform\` (or $GRIDHUB_TOKEN)
  --source NAME           the source to write under: your name or name/subsystem (default: your name)
  --batch N               records per request, at most 1000 (default 1000)
  --concurrency N         requests in flight at once (default 2)
  --resume                skip what an earlier run had acknowledged (FILE.push-state.json)
  --rejects FILE          where rejected records go, as NDJSON (default FILE.rejects.ndjson)
  --retries N             retries of a request after a network error, 5xx or SERVICE_UNAVAILABLE (default 8)
  --retry-delay MS        first backoff, doubled each retry with jitter, at most 30 s (default 500)
  --timeout S             seconds to wait for one answer (default 120)
  --progress MODE         bar (a terminal), lines (plain periodic lines), none; default: bar on a terminal
  --progress-interval S   seconds between plain progress lines (default 10)

Exit status: 0 when every record was sent (rejected ones are listed in the rejects file),
1 when the push stopped (the reason is printed; --resume continues from where it got),
130 when interrupted (Ctrl-C: the batches in flight are finished first).`;

class UsageError extends Error {}

function positiveInt(name: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return value;
}

const int = (n: number) => n.toLocaleString('en-US');

function summaryLines(file: string, summary: PushSummary): string[] {
  const seconds = summary.elapsedMs / 1000;
  const rate = seconds > 0 ? summary.records / seconds : 0;
  const lines = [
    `${summary.complete ? 'done' : 'stopped'}: ${int(summary.records)} records sent from ${file} as ${summary.source} in ${seconds < 60 ? `${seconds.toFixed(1)} s` : duration(seconds)} (${int(Math.round(rate))} records/s)`,
    `  accepted ${int(summary.accepted)}${summary.updated ? `   updated ${int(summary.updated)}` : ''}   duplicates ${int(summary.duplicates)}   rejected ${int(summary.rejected)}${summary.rejectedLocally ? ` (${int(summary.rejectedLocally)} not sent: they could not be read)` : ''}   skipped ${int(summary.skipped)}`,
  ];
  if (summary.resumedPast) lines.push(`  resumed: ${int(summary.resumedPast)} records through line ${int(summary.resumedThroughLine)} were acknowledged by an earlier run and not sent again`);
  if (summary.retries) lines.push(`  ${int(summary.retries)} requests were retried`);
  if (summary.rejectsPath) lines.push(`  ${int(summary.rejected)} rejected records, with their errors: ${summary.rejectsPath}`);
  return lines;
}

/** `gridhub push …`; resolves with the exit status. */
export async function pushCommand(argv: string[]): Promise<number> {
  const out = process.stdout;
  const err = process.stderr;
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        kind: { type: 'string' },
        file: { type: 'string' },
        format: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        token: { type: 'string' },
        source: { type: 'string' },
        batch: { type: 'string', default: '1000' },
        concurrency: { type: 'string', default: '2' },
        resume: { type: 'boolean', default: false },
        rejects: { type: 'string' },
        retries: { type: 'string', default: '8' },
        'retry-delay': { type: 'string', default: '500' },
        timeout: { type: 'string', default: '120' },
        progress: { type: 'string' },
        'progress-interval': { type: 'string', default: '10' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    err.write(`gridhub push: ${(error as Error).message}\n\n${PUSH_USAGE}\n`);
    return 1;
  }
  if (values.help) {
    out.write(`${PUSH_USAGE}\n`);
    return 0;
  }

  let options;
  try {
    const kind = values.kind ? PUSH_KINDS[values.kind] : undefined;
    if (!values.kind) throw new UsageError(`--kind is required: one of ${Object.keys(PUSH_KINDS).join(', ')}`);
    if (!kind) throw new UsageError(`--kind ${values.kind} is not one gridhub can push; one of ${Object.keys(PUSH_KINDS).join(', ')}`);
    if (!values.file) throw new UsageError('--file is required');
    if (!existsSync(values.file)) throw new UsageError(`no such file: ${values.file}`);
    let format;
    try {
      format = formatOf(values.file, values.format);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const key = values.key ?? (values.token ? undefined : process.env['GRIDHUB_API_KEY']);
    const token = values.token ?? (values.key ? undefined : process.env['GRIDHUB_TOKEN']);
    if (key && token) throw new UsageError('give an API key (--key, $GRIDHUB_API_KEY) or a token (--token, $GRIDHUB_TOKEN), not both');
    if (!key && !token) throw new UsageError('no credentials: --key KEY (or $GRIDHUB_API_KEY), or --token JWT (or $GRIDHUB_TOKEN)');
    let url;
    try {
      url = endpointOf(values.url ?? process.env['GRIDHUB_URL'] ?? 'http://localhost:4000/graphql');
    } catch {
      throw new UsageError(`--url is not a URL: ${values.url}`);
    }
    const progressMode = values.progress ?? (err.isTTY ? 'bar' : 'lines');
    if (progressMode !== 'bar' && progressMode !== 'lines' && progressMode !== 'none') throw new UsageError(`--progress must be bar, lines or none, got "${progressMode}"`);
    options = {
      file: values.file,
      format,
      kind,
      recordType: recordTypeOf(await createSchema(), kind),
      client: {
        url,
        authorization: key ? `ApiKey ${key}` : `Bearer ${token}`,
        retries: values.retries === '0' ? 0 : positiveInt('retries', values.retries, 100),
        retryDelayMs: positiveInt('retry-delay', values['retry-delay']),
        timeoutMs: positiveInt('timeout', values.timeout) * 1000,
      },
      ...(values.source ? { source: values.source } : {}),
      batchSize: positiveInt('batch', values.batch, 1000),
      concurrency: positiveInt('concurrency', values.concurrency, 16),
      resume: values.resume,
      rejectsPath: values.rejects ?? `${values.file}.rejects.ndjson`,
      progress: { stream: err, mode: progressMode, intervalMs: Number(values['progress-interval']) * 1000 } as const,
      log: (text: string) => err.write(`${text}\n`),
    };
    if (!(options.progress.intervalMs > 0)) throw new UsageError(`--progress-interval must be a number of seconds, got "${values['progress-interval']}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`gridhub push: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    err.write('\ngridhub push: stopping after the batches in flight (Ctrl-C again to quit now; --resume continues)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await push({ ...options, signal: controller.signal });
    out.write(`${summaryLines(options.file, summary).join('\n')}\n`);
    if (summary.interrupted) {
      err.write(`gridhub push: interrupted; lines 1–${summary.acknowledgedThroughLine} are acknowledged (${summary.statePath}): rerun with --resume to continue\n`);
      return 130;
    }
    if (summary.rejected) err.write(`gridhub push: every record was sent; ${int(summary.rejected)} were rejected (see ${summary.rejectsPath})\n`);
    return 0;
  } catch (error) {
    if (error instanceof PushFatalError) {
      if (error.summary) out.write(`${summaryLines(options.file, error.summary).join('\n')}\n`);
      err.write(`gridhub push: ${error.message}\n`);
      if (error.summary) err.write(`gridhub push: lines 1–${error.summary.acknowledgedThroughLine} are acknowledged (${error.summary.statePath}); rerun with --resume to continue from there\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
