/**
 * Screenshots of a running VM: QEMU's human monitor (on a unix socket) writes the screen as a
 * PPM with `screendump`; this turns it into a PNG (small enough to write natively: one IDAT
 * deflated with node:zlib, filter 0 on every row).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { monitorCommand } from '../vm/monitor.ts';

export async function screenshot(
  monitorSocket: string,
  ppmPath: string,
  pngPath: string,
): Promise<void> {
  await monitorCommand(monitorSocket, `screendump ${ppmPath}`);
  writeFileSync(pngPath, ppmToPng(readFileSync(ppmPath)));
}

/** Binary PPM (P6, maxval 255) → PNG (8-bit RGB). */
export function ppmToPng(ppm: Buffer): Buffer {
  const header = ppm.subarray(0, 64).toString('latin1');
  const m = header.match(/^P6\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/);
  if (!m) throw new Error('not a binary PPM (P6) image');
  const [width, height, maxval] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (maxval !== 255) throw new Error(`unsupported PPM maxval ${maxval}`);
  const pixels = ppm.subarray(m[0].length);
  const stride = width * 3;
  if (pixels.length < stride * height) throw new Error('truncated PPM');
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++)
    pixels.copy(raw, y * (stride + 1) + 1, y * stride, (y + 1) * stride);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
