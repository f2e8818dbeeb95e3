import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { decodeQrPng, decodeQrSvg } from '../../../test/helpers/qr.js';
import { encodeBrCode } from './brcode.js';
import { QR_ERROR_CORRECTION, QR_QUIET_ZONE_MODULES, renderQrSvg } from './qr.js';

const MANUAL_STATIC =
  '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';

describe('the QR code of a BR Code', () => {
  it('decodes back to the payload with an independent reader (jsQR)', async () => {
    const svg = await renderQrSvg(MANUAL_STATIC);
    expect(decodeQrSvg(svg)).toBe(MANUAL_STATIC);
  });

  it('decodes a long code with amount, txid and description too', async () => {
    const encoded = encodeBrCode({
      key: 'fulano.de.tal.da.silva@example.com.br',
      amountCents: 123_456_789,
      name: 'Fulano de Tal da Silva',
      city: 'Sao Paulo',
      txid: 'ABCDEFGHIJKLMNOPQRSTUVWXY',
      description: 'Pagamento da reforma',
    });
    if (!encoded.ok) throw new Error('encode failed');
    expect(decodeQrSvg(await renderQrSvg(encoded.payload))).toBe(encoded.payload);
  });

  it('is the same code qrcode draws as a PNG, which decodes too', async () => {
    const png = await QRCode.toBuffer(MANUAL_STATIC, {
      errorCorrectionLevel: QR_ERROR_CORRECTION,
      margin: QR_QUIET_ZONE_MODULES,
      scale: 4,
    });
    expect(decodeQrPng(png)).toBe(MANUAL_STATIC);
  });

  it('is a plain SVG: one <svg> with <path>s, no script, no links, no foreign content', async () => {
    const svg = await renderQrSvg(MANUAL_STATIC);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const tags = [...svg.matchAll(/<\/?([a-zA-Z]+)/g)].map((match) => match[1]);
    expect(new Set(tags)).toEqual(new Set(['svg', 'path']));
    expect(svg).not.toMatch(/script|href|on[a-z]+=/i);
  });

  it('a different payload gives a different picture (the reader is not fooled)', async () => {
    const other = MANUAL_STATIC.replace('Fulano', 'Fulana');
    expect(decodeQrSvg(await renderQrSvg(other))).toBe(other);
    expect(decodeQrSvg(await renderQrSvg(other))).not.toBe(MANUAL_STATIC);
  });
});
