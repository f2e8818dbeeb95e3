import QRCode from 'qrcode';

/**
 * The QR code of a BR Code, drawn as SVG on the server so every client shows the same
 * image. Error correction M (15 %) is what Pix apps print; the four-module quiet zone
 * is what QR readers expect around the code.
 */
export const QR_ERROR_CORRECTION = 'M';
export const QR_QUIET_ZONE_MODULES = 4;

export function renderQrSvg(payload: string): Promise<string> {
  return QRCode.toString(payload, {
    type: 'svg',
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    margin: QR_QUIET_ZONE_MODULES,
    color: { dark: '#000000', light: '#ffffff' },
  });
}
