import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../platform/db/database.js';
import { appendAudit, type AuditActor } from '../audit/index.js';
import { renderQr, submitPageUrl } from './channel.qr.js';
import { printableChannels } from './channel.service.js';

/**
 * `gridhub qr <communityCode> [--channel <id>] [--out <dir>]`: the posters of a community's
 * active channels, as `<communityCode>-<first 8 of the channel id>.png` and `.svg` in `dir`.
 * A community without an active channel gets one (`<社区名>居民服务码`). Run by whoever
 * operates the hub, as `cli:<os user>`; each channel printed (and one created) gets its audit
 * entry.
 */
export const QR_USAGE = `gridhub qr <communityCode> [--channel <id>] [--out <dir>]
  writes <communityCode>-<channel id's first 8>.png and .svg for each active channel of the
  community (creating "<社区名>居民服务码" when it has none) and prints their URLs. The URL is
  PUBLIC_URL + /r/#<channel token>: set PUBLIC_URL to the address residents' phones reach.`;

interface QrCommandOptions {
  /** The base URL printed into the codes (config.publicUrl). */
  publicUrl: string;
  /** Where the files go (created if missing). */
  outDir: string;
  channelId?: string | undefined;
  /** The operating-system user running the command. */
  user: string;
  now?: Date;
}

interface QrCommandOutput {
  stdout: string;
  stderr: string;
  /** Paths written, two per channel. */
  files: string[];
  /** false: a channel could not be printed (it needs a rotation). */
  complete: boolean;
}

export async function runQrCommand(database: Database, communityCode: string, options: QrCommandOptions): Promise<QrCommandOutput> {
  const now = options.now ?? new Date();
  const actorAt = (unit: { code: string; path: string }): AuditActor => ({ actor: `cli:${options.user}`, actorKind: 'CLI', unitCode: unit.code, unitPath: unit.path, purpose: null });
  const found = await printableChannels(database.db, communityCode, options.channelId, actorAt, now);
  const community = found[0]!.channel;
  mkdirSync(options.outDir, { recursive: true });
  const files: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const printed: string[] = [];
  for (const { channel, token, created } of found) {
    if (created) stderr.push(`created channel ${channel.id} "${channel.name}" for ${community.communityCode}`);
    if (token === null) {
      stderr.push(`channel ${channel.id} "${channel.name}" was made before tokens were kept: rotate its token (rotateChannelToken) and run this again`);
      continue;
    }
    const url = submitPageUrl(options.publicUrl, token);
    const { png, svg } = await renderQr(url);
    const base = join(options.outDir, `${channel.communityCode}-${channel.id.slice(0, 8)}`);
    writeFileSync(`${base}.png`, png);
    writeFileSync(`${base}.svg`, svg);
    files.push(`${base}.png`, `${base}.svg`);
    printed.push(channel.id);
    stdout.push(`${channel.name}  ${url}`, `  ${base}.png`, `  ${base}.svg`);
  }
  if (printed.length > 0) {
    await appendAudit(database.db, actorAt({ code: community.communityCode, path: community.unitPath }), now, [{ operation: 'channelQrCode', kind: 'Channel', recordIds: printed, details: { communityCode: community.communityCode, via: 'gridhub qr' } }]);
  }
  return { stdout: stdout.map((l) => `${l}\n`).join(''), stderr: stderr.map((l) => `${l}\n`).join(''), files, complete: printed.length === found.length };
}
