import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patchBootImg, patchCoreImg } from '../../../src/image/bios-boot.ts';

test('BIOS boot sector: 440 code bytes, core.img LBA at 0x5c, drive check NOPed', () => {
  const bootImg = Buffer.alloc(512, 0xaa);
  const code = patchBootImg(bootImg, 2048);
  assert.equal(code.length, 440);
  assert.equal(code.readBigUInt64LE(0x5c), 2048n);
  assert.equal(code[0x66], 0x90);
  assert.equal(code[0x67], 0x90);
  assert.equal(code[0], 0xaa, 'the rest of the code is untouched');
  assert.throws(() => patchBootImg(Buffer.alloc(100), 1), /512 bytes/);
});

test('core.img blocklist points at the sectors after the first', () => {
  const core = Buffer.alloc(512 * 60 + 100, 1);
  const out = patchCoreImg(core, 2048, 2048);
  assert.equal(out.length, 512 * 61, 'padded to whole sectors');
  assert.equal(out.readBigUInt64LE(500), 2049n);
  assert.equal(out.readUInt16LE(508), 60);
  assert.equal(out.readUInt16LE(510), 0x820);
  assert.throws(() => patchCoreImg(core, 2048, 10), /needs 61 sectors/);
});
