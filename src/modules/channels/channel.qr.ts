import QRCode from 'qrcode';

/**
 * Terminology
 * - submit page: the hub's own page at `SUBMIT_PAGE_PATH` where a resident writes a request;
 *   the channel token rides in the URL's fragment (`/r/#ghc_…`), which browsers never send to a
 *   server, so it stays out of access logs and Referer headers.
 * - status page: where a resident looks a request up by tracking code (`/r/track?code=…`).
 * - QR code: the poster's image of the submit-page URL, rendered by the `qrcode` package at
 *   error-correction level M (a poster survives some dirt and glare).
 */
export const SUBMIT_PAGE_PATH = '/r/';
export const STATUS_PAGE_PATH = '/r/track';

/** The URL a channel's QR code carries: the submit page of `publicUrl` with the token in the fragment. */
export function submitPageUrl(publicUrl: string, token: string): string {
  return `${publicUrl}${SUBMIT_PAGE_PATH}#${token}`;
}

interface RenderedQr {
  /** A standalone SVG document. */
  svg: string;
  /** A PNG image, 8 pixels per module with a 4-module quiet zone. */
  png: Buffer;
}

/** The QR code of `url`, as SVG (for print, scales without loss) and PNG (for screens and chat apps). */
export async function renderQr(url: string): Promise<RenderedQr> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 4 };
  const [svg, png] = await Promise.all([QRCode.toString(url, { ...options, type: 'svg' }), QRCode.toBuffer(url, { ...options, type: 'png', scale: 8 })]);
  return { svg, png };
}
