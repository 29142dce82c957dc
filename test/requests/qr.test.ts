import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { DEMO_CHANNEL_TOKEN } from '../../src/seed/demo.js';
import { auditLog } from '../../src/modules/audit/index.js';
import { channels } from '../../src/modules/channels/index.js';
import { principals } from '../../src/modules/principals/index.js';
import { CHANNEL_FIELDS, MISSING_ID, REVOKE_CHANNEL, ok, onlyError, submitOk } from './fixtures.js';

// jsqr is CommonJS whose d.ts has `export default`: under NodeNext the function is `.default`.
const jsQR = jsqr.default;

/**
 * A community prints its QR code: what createChannel, rotateChannelToken and channelQrCode
 * answer decodes (PNG through jsQR, SVG rasterised here) to the submit page of PUBLIC_URL with
 * the channel's token in the fragment, and that token submits to the community. The submit
 * page learns the channel's name and community from residentChannel(channelToken).
 */

const PUBLIC_URL = 'https://gridhub.example.cn/chongchuan';

interface QrCode {
  url: string;
  svg: string;
  pngDataUrl: string;
}

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateChannelInput!) { createChannel(input: $input) { token channel { ${CHANNEL_FIELDS} } qrCode { url svg pngDataUrl } } }
`;
const ROTATE = /* GraphQL */ `
  mutation Rotate($id: ID!) { rotateChannelToken(id: $id) { token qrCode { url svg pngDataUrl } } }
`;
const QR = /* GraphQL */ `
  mutation Qr($id: ID!) { channelQrCode(id: $id) { url svg pngDataUrl } }
`;
const RESIDENT_CHANNEL = /* GraphQL */ `
  query Channel($token: String!) { residentChannel(channelToken: $token) { name community { code name } } }
`;

/** What a phone's camera reads from the PNG. */
function decodePng(dataUrl: string): string | undefined {
  expect(dataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  const image = PNG.sync.read(Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64'));
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/**
 * What the SVG shows, read the same way: qrcode draws each dark run of a row as `h<length>` on
 * one stroked path (`M<x> <y+0.5>h7m1 0h1…`), over a white square; we paint those runs into a
 * bitmap at 6 pixels per module and let jsQR read it.
 */
function decodeSvg(svg: string): string | undefined {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  expect(size).toBeGreaterThan(20);
  const d = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1] ?? '';
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, op, args] of d.matchAll(/([MmHh])([^MmHh]*)/g)) {
    const n = args!.trim().split(/[\s,]+/).map(Number);
    if (op === 'M') [x, y] = [n[0]!, n[1]!];
    else if (op === 'm') [x, y] = [x + n[0]!, y + n[1]!];
    else {
      for (let i = 0; i < n[0]!; i++) dark.add(`${x + i},${Math.floor(y)}`);
      x += n[0]!;
    }
  }
  const scale = 6;
  const width = size * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let py = 0; py < width; py++) {
    for (let px = 0; px < width; px++) {
      if (!dark.has(`${Math.floor(px / scale)},${Math.floor(py / scale)}`)) continue;
      data.fill(0, (py * width + px) * 4, (py * width + px) * 4 + 3);
    }
  }
  return jsQR(data, width, width)?.data;
}

function expectQrOf(qr: QrCode, token: string): void {
  const url = `${PUBLIC_URL}/r/#${token}`;
  expect(qr.url).toBe(url);
  expect(qr.svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(decodePng(qr.pngDataUrl)).toBe(url);
  expect(decodeSvg(qr.svg)).toBe(url);
}

/** The token a scanned URL carries: the fragment, as the submit page reads it. */
function tokenOf(url: string): string {
  return decodeURIComponent(new URL(url).hash.slice(1));
}

let hub: TestHub;
let shuguangChannelId: string;
beforeAll(async () => {
  hub = await createTestHub({ env: { PUBLIC_URL: `${PUBLIC_URL}/` } });
  await hub.database.db.insert(principals).values({ name: 'wenfeng.admin', displayName: '文峰街道管理员', kind: 'PERSON', roles: ['ADMIN'], unitCode: '320613008', departmentCode: null });
  const [row] = await hub.database.db.select({ id: channels.id }).from(channels).where(eq(channels.communityCode, '320613006001'));
  shuguangChannelId = row!.id;
});
afterAll(() => hub?.close());

async function auditOf(id: string) {
  const rows = await hub.database.db.select().from(auditLog).where(sql`${id} = any(${auditLog.recordIds})`).orderBy(auditLog.seq);
  return rows.map((r) => ({ actor: r.actor, operation: r.operation, kind: r.kind, details: r.details }));
}

describe('the QR code of a channel', () => {
  it('createChannel answers it: PNG and SVG both decode to PUBLIC_URL/r/#<token> (no trailing slash doubled), and the scanned token submits', async () => {
    const { createChannel } = ok(await hub.gql<{ createChannel: { token: string; channel: { id: string }; qrCode: QrCode } }>(CREATE, { input: { communityCode: '320613006004', name: '天龙社区居民服务码' } }, { as: 'city.admin' }));
    expectQrOf(createChannel.qrCode, createChannel.token);
    const scanned = tokenOf(decodePng(createChannel.qrCode.pngDataUrl)!);
    expect(scanned).toBe(createChannel.token);
    const receipt = await submitOk(hub, scanned, { category: 'SUGGESTION', text: '扫码提交' });
    const status = ok(await hub.gql<{ residentRequestStatus: { unit: { code: string } } }>('query($c: String!) { residentRequestStatus(trackingCode: $c) { unit { code } } }', { c: receipt.trackingCode }));
    expect(status.residentRequestStatus.unit.code).toBe('320613006004');
  });

  it('channelQrCode prints the seeded 曙光 channel again without rotating: the demo token, audited without it', async () => {
    const { channelQrCode } = ok(await hub.gql<{ channelQrCode: QrCode }>(QR, { id: shuguangChannelId }, { as: 'city.admin' }));
    expectQrOf(channelQrCode, DEMO_CHANNEL_TOKEN);
    // Printing twice gives the same code: the token did not change.
    expect(ok(await hub.gql<{ channelQrCode: QrCode }>(QR, { id: shuguangChannelId }, { as: 'city.admin' })).channelQrCode).toEqual(channelQrCode);
    await submitOk(hub, DEMO_CHANNEL_TOKEN, { category: 'HELP', text: '旧海报仍然有效' });
    const entries = (await auditOf(shuguangChannelId)).filter((e) => e.operation === 'channelQrCode');
    expect(entries).toEqual([
      { actor: 'city.admin', operation: 'channelQrCode', kind: 'Channel', details: { communityCode: '320613006001', url: `${PUBLIC_URL}/r/#…` } },
      { actor: 'city.admin', operation: 'channelQrCode', kind: 'Channel', details: { communityCode: '320613006001', url: `${PUBLIC_URL}/r/#…` } },
    ]);
    const everything = await hub.database.db.select().from(auditLog);
    expect(JSON.stringify(everything)).not.toContain(DEMO_CHANNEL_TOKEN.slice(4));
  });

  it('after a rotation the new code carries the new token and channelQrCode prints that one; the old poster stops working', async () => {
    const { createChannel } = ok(await hub.gql<{ createChannel: { token: string; channel: { id: string } } }>(CREATE, { input: { communityCode: '320613006005', name: '紫琅社区居民服务码' } }, { as: 'city.admin' }));
    const { rotateChannelToken } = ok(await hub.gql<{ rotateChannelToken: { token: string; qrCode: QrCode } }>(ROTATE, { id: createChannel.channel.id }, { as: 'city.admin' }));
    expectQrOf(rotateChannelToken.qrCode, rotateChannelToken.token);
    expect(ok(await hub.gql<{ channelQrCode: QrCode }>(QR, { id: createChannel.channel.id }, { as: 'city.admin' })).channelQrCode.url).toBe(`${PUBLIC_URL}/r/#${rotateChannelToken.token}`);
    const old = onlyError(await hub.gql(RESIDENT_CHANNEL, { token: createChannel.token }), 'residentChannel');
    expect(old.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('a revoked channel has no QR code (CONFLICT); a channel made before tokens were kept needs a rotation (CONFLICT saying so)', async () => {
    const { createChannel } = ok(await hub.gql<{ createChannel: { token: string; channel: { id: string } } }>(CREATE, { input: { communityCode: '320613006002', name: '旧码' } }, { as: 'city.admin' }));
    const legacy = ok(await hub.gql<{ createChannel: { token: string; channel: { id: string } } }>(CREATE, { input: { communityCode: '320613006002', name: '更早的码' } }, { as: 'city.admin' })).createChannel;
    ok(await hub.gql(REVOKE_CHANNEL, { id: createChannel.channel.id }, { as: 'city.admin' }));
    expect(onlyError(await hub.gql(QR, { id: createChannel.channel.id }, { as: 'city.admin' }), 'channelQrCode').extensions).toEqual({ code: 'CONFLICT', active: false });

    await hub.database.db.update(channels).set({ token: null }).where(eq(channels.id, legacy.channel.id));
    const error = onlyError(await hub.gql(QR, { id: legacy.channel.id }, { as: 'city.admin' }), 'channelQrCode');
    expect(error.extensions).toEqual({ code: 'CONFLICT', tokenStored: false });
    expect(error.message).toMatch(/rotate its token \(rotateChannelToken\) to print a new QR code/);
    // The token still works for residents who have the old poster; a rotation makes it printable.
    await submitOk(hub, legacy.token, { category: 'SUGGESTION', text: '旧海报' });
    const rotated = ok(await hub.gql<{ rotateChannelToken: { token: string } }>(ROTATE, { id: legacy.channel.id }, { as: 'city.admin' })).rotateChannelToken;
    expect(ok(await hub.gql<{ channelQrCode: QrCode }>(QR, { id: legacy.channel.id }, { as: 'city.admin' })).channelQrCode.url).toBe(`${PUBLIC_URL}/r/#${rotated.token}`);
  });

  it('an admin of another street gets NOT_FOUND, exactly as for a missing id; anyone but an admin FORBIDDEN; no token: UNAUTHENTICATED', async () => {
    const hidden = onlyError(await hub.gql(QR, { id: shuguangChannelId }, { as: 'wenfeng.admin' }), 'channelQrCode');
    const missing = onlyError(await hub.gql(QR, { id: MISSING_ID }, { as: 'wenfeng.admin' }), 'channelQrCode');
    expect(hidden.extensions).toEqual({ code: 'NOT_FOUND', what: 'Channel', key: shuguangChannelId });
    expect(hidden.message.replace(shuguangChannelId, '<id>')).toBe(missing.message.replace(MISSING_ID, '<id>'));
    for (const as of ['shuguang.officer', 'xuetian.officer', 'hujing.grid', 'fire.officer', 'city.auditor', 'iot-platform']) {
      expect(onlyError(await hub.gql(QR, { id: shuguangChannelId }, { as }), 'channelQrCode').extensions).toEqual({ code: 'FORBIDDEN', action: 'manage', subject: 'Channel' });
    }
    expect(onlyError(await hub.gql(QR, { id: shuguangChannelId }), 'channelQrCode').extensions).toEqual({ code: 'UNAUTHENTICATED' });
    // A channel token is no bearer token: the whole request is refused before any resolver runs.
    const asResident = await hub.gql(QR, { id: shuguangChannelId }, { authorization: `Bearer ${DEMO_CHANNEL_TOKEN}` });
    expect(asResident.status).toBe(401);
    expect(asResident.body.errors?.map((e) => e.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    expect((await auditOf(shuguangChannelId)).filter((e) => e.operation === 'channelQrCode' && e.actor !== 'city.admin')).toEqual([]);
  });
});

describe('residentChannel: what the submit page shows before a resident writes', () => {
  it('the channel name and its community, to anyone holding the token (no Authorization)', async () => {
    expect(ok(await hub.gql(RESIDENT_CHANNEL, { token: DEMO_CHANNEL_TOKEN }))).toEqual({ residentChannel: { name: '曙光社区居民服务码', community: { code: '320613006001', name: '曙光社区' } } });
  });

  it.each([
    ['malformed', 'ghc_short', /not recognised/],
    ['unknown', `ghc_${'A'.repeat(43)}`, /not recognised/],
  ])('a %s token is UNAUTHENTICATED', async (_label, token, message) => {
    const error = onlyError(await hub.gql(RESIDENT_CHANNEL, { token }), 'residentChannel');
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(error.message).toMatch(message);
  });

  it("a revoked channel's token is UNAUTHENTICATED: the channel is closed", async () => {
    const { createChannel } = ok(await hub.gql<{ createChannel: { token: string; channel: { id: string } } }>(CREATE, { input: { communityCode: '320613008001', name: '中央商务区社区居民服务码' } }, { as: 'city.admin' }));
    expect(ok(await hub.gql(RESIDENT_CHANNEL, { token: createChannel.token }))).toEqual({ residentChannel: { name: '中央商务区社区居民服务码', community: { code: '320613008001', name: '中央商务区社区' } } });
    ok(await hub.gql(REVOKE_CHANNEL, { id: createChannel.channel.id }, { as: 'city.admin' }));
    const error = onlyError(await hub.gql(RESIDENT_CHANNEL, { token: createChannel.token }), 'residentChannel');
    expect(error).toMatchObject({ message: 'Channel token revoked: this community channel is closed', extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('without PUBLIC_URL', () => {
  it('a hub started on PORT=0 prints the address it got (tests and the submit-page loop open the URL from the code)', async () => {
    const local = await createTestHub();
    try {
      const [row] = await local.database.db.select({ id: channels.id }).from(channels).where(eq(channels.communityCode, '320613006001'));
      const { channelQrCode } = ok(await local.gql<{ channelQrCode: QrCode }>(QR, { id: row!.id }, { as: 'city.admin' }));
      expect(channelQrCode.url).toBe(`${local.url}/r/#${DEMO_CHANNEL_TOKEN}`);
      expect(local.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      expect(decodePng(channelQrCode.pngDataUrl)).toBe(channelQrCode.url);
    } finally {
      await local.close();
    }
  });
});
