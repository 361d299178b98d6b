import assert from 'node:assert/strict';
import { test } from 'node:test';

test('PPM screenshots become valid PNGs', async () => {
  const { ppmToPng } = await import('../../../src/verify/screenshot.ts');
  const { inflateSync } = await import('node:zlib');
  const ppm = Buffer.concat([Buffer.from('P6\n2 1\n255\n'), Buffer.from([255, 0, 0, 0, 0, 255])]);
  const png = ppmToPng(ppm);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 2, 'width');
  assert.equal(png.readUInt32BE(20), 1, 'height');
  const idatLen = png.readUInt32BE(33);
  assert.equal(png.subarray(37, 41).toString(), 'IDAT');
  assert.deepEqual([...inflateSync(png.subarray(41, 41 + idatLen))], [0, 255, 0, 0, 0, 0, 255]);
  assert.throws(() => ppmToPng(Buffer.from('P3\n1 1\n255\n0 0 0')), /P6/);
});
