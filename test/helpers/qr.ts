import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS with ES-module typings: under NodeNext its function is the `default` property.
const jsQR = jsQRModule.default;

const PIXELS_PER_MODULE = 4;
const DARK = 0;
const LIGHT = 255;

/**
 * Reads a QR code back from the SVG the server sends: the qrcode package draws each
 * row's dark modules as horizontal strokes ("M x y.5 h n m dx 0 h n …"), which are
 * painted onto a bitmap here and decoded with jsQR, an independent reader.
 */
export function decodeQrSvg(svg: string): string | null {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const strokes = /<path[^>]*stroke="[^"]+"[^>]*\sd="([^"]+)"/.exec(svg);
  if (!viewBox || !strokes) return null;
  const modules = Number(viewBox[1]);
  const size = modules * PIXELS_PER_MODULE;
  const pixels = new Uint8ClampedArray(size * size * 4).fill(LIGHT);
  const paint = (column: number, row: number) => {
    for (let dy = 0; dy < PIXELS_PER_MODULE; dy += 1) {
      for (let dx = 0; dx < PIXELS_PER_MODULE; dx += 1) {
        const offset = ((row * PIXELS_PER_MODULE + dy) * size + column * PIXELS_PER_MODULE + dx) * 4;
        pixels.fill(DARK, offset, offset + 3);
      }
    }
  };
  let x = 0;
  let y = 0;
  for (const [, command, argumentsText] of (strokes[1] ?? '').matchAll(/([MmHh])([^MmHh]*)/g)) {
    const numbers = (argumentsText ?? '')
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (command === 'M') [x, y] = [numbers[0] ?? 0, numbers[1] ?? 0];
    else if (command === 'm') [x, y] = [x + (numbers[0] ?? 0), y + (numbers[1] ?? 0)];
    else {
      const length = numbers[0] ?? 0;
      const end = command === 'H' ? length : x + length;
      for (let column = x; column < end; column += 1) paint(column, Math.floor(y));
      x = end;
    }
  }
  return jsQR(pixels, size, size)?.data ?? null;
}

/** Reads a QR code from a PNG (e.g. qrcode's toBuffer). */
export function decodeQrPng(buffer: Buffer): string | null {
  const image = PNG.sync.read(buffer);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}
