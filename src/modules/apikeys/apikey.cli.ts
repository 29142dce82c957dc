import type { Database } from '../../platform/db/database.js';
import { PgNotifyBus } from '../../platform/pubsub/pg-bus.js';
import type { Topics } from '../../platform/pubsub/bus.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../../platform/errors.js';
import type { ApiKeyRow } from './apikey.table.js';
import { allKeys, cleanLabel, findAdapter, issueKey, keysNamedBy, revokeKey, type KeyAdapter, type KeyOperator } from './apikey.service.js';

/**
 * `gridhub apikey create|revoke|list`: key administration for whoever runs the hub, without
 * an admin's token. The operator is `cli:<os user>`; each change gets its audit entry (actor
 * kind CLI, unit = the adapter's jurisdiction, so auditors there see it) in the change's own
 * transaction, and a revocation publishes `accessChanged` so running hubs on the same
 * PostgreSQL close the connections that presented the key.
 */
interface ApiKeyCommandOutput {
  stdout: string;
  stderr: string;
}

interface ApiKeyCommandOptions {
  label?: string | undefined;
  /** The operating-system user running the command. */
  user: string;
  now?: Date;
}

export const APIKEY_USAGE = `gridhub apikey create <adapter> [--label L]   make a key; prints only the key
gridhub apikey revoke <id | prefix | key>      revoke a key at once
gridhub apikey list [adapter]                  list keys (prefix only, never the key)`;

function operator(database: Database, options: ApiKeyCommandOptions): KeyOperator {
  const name = `cli:${options.user}`;
  return {
    name,
    now: options.now ?? new Date(),
    actor: (adapter: KeyAdapter) => ({ actor: name, actorKind: 'CLI', unitCode: adapter.jurisdictionCode, unitPath: adapter.jurisdictionPath, purpose: null }),
    bus: new PgNotifyBus<Topics>(database),
  };
}

function table(rows: ApiKeyRow[]): string {
  const header = ['ID', 'ADAPTER', 'PREFIX', 'CREATED', 'CREATED BY', 'REVOKED', 'LABEL'];
  const lines = rows.map((r) => [
    r.id,
    r.principalName,
    r.prefix,
    r.createdAt.toISOString(),
    r.createdBy,
    r.revokedAt ? `${r.revokedAt.toISOString()} by ${r.revokedBy ?? '?'}` : '-',
    r.label ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => [...(l[i] ?? '')].length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length)))
      .join('  ')
      .trimEnd();
  return [format(header), ...lines.map(format)].join('\n') + '\n';
}

export async function runApiKeyCommand(database: Database, args: readonly string[], options: ApiKeyCommandOptions): Promise<ApiKeyCommandOutput> {
  const [sub, target, ...extra] = args;
  if (extra.length > 0) throw new BadUserInputError(`unexpected arguments: ${extra.join(' ')}\n\n${APIKEY_USAGE}`);
  switch (sub) {
    case 'create': {
      if (!target) throw new BadUserInputError(`apikey create needs an adapter, e.g. gridhub apikey create iot-platform\n\n${APIKEY_USAGE}`);
      const label = cleanLabel(options.label);
      const adapter = await findAdapter(database.db, target);
      const { key, row } = await issueKey(database.db, adapter, label, operator(database, options));
      return {
        stdout: `${key}\n`,
        stderr: `created API key ${row.prefix}… (id ${row.id}) for ${row.principalName}; it is shown only this once\n`,
      };
    }
    case 'revoke': {
      if (!target) throw new BadUserInputError(`apikey revoke needs a key's id or prefix (see gridhub apikey list)\n\n${APIKEY_USAGE}`);
      const found = await keysNamedBy(database.db, target);
      if (found.length === 0) throw new NotFoundError('ApiKey', target);
      if (found.length > 1) throw new BadUserInputError(`${target} names ${found.length} keys; revoke by id: ${found.map((f) => f.key.id).join(', ')}`);
      const record = found[0]!;
      const revoked = await revokeKey(database.db, record, operator(database, options));
      if (!revoked) {
        throw new ConflictError(`API key ${record.key.prefix} (id ${record.key.id}) was already revoked at ${record.key.revokedAt?.toISOString()} by ${record.key.revokedBy}`);
      }
      return { stdout: `revoked API key ${revoked.prefix} (id ${revoked.id}) of ${revoked.principalName}\n`, stderr: '' };
    }
    case 'list': {
      const adapter = target === undefined ? undefined : (await findAdapter(database.db, target)).name;
      const rows = await allKeys(database.db, adapter);
      return { stdout: rows.length === 0 ? 'no API keys\n' : table(rows), stderr: '' };
    }
    default:
      throw new BadUserInputError(`${sub ? `unknown apikey command "${sub}"` : 'apikey needs a command'}\n\n${APIKEY_USAGE}`);
  }
}
