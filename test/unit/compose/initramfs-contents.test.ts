import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  checkOstreeInitramfs,
  listInitramfs,
  NewcReader,
} from '../../../src/compose/initramfs-contents.ts';
import { BuildError } from '../../../src/core/errors.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

/** One newc entry, padded as the kernel's buffer format says. */
function entry(name: string, mode: number, data = ''): Buffer {
  const body = Buffer.from(data);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const fields = [0, mode, 0, 0, 1, 0, body.length, 0, 0, 0, 0, name.length + 1, 0];
  const head = Buffer.from(`070701${fields.map(hex).join('')}${name}\0`, 'latin1');
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  return Buffer.concat([head, pad(head.length), body, pad(body.length)]);
}

function archive(entries: [string, number, string?][]): Buffer {
  return Buffer.concat([...entries.map(([n, m, d]) => entry(n, m, d)), entry('TRAILER!!!', 0)]);
}

const FILE = 0o100755;
const DIR = 0o40755;
const LINK = 0o120777;

test('initramfs listing: an uncompressed early archive, zero padding, then a compressed one', async () => {
  const early = archive([['kernel/x86/microcode/GenuineIntel.bin', 0o100644, 'ucode']]);
  const main = archive([
    ['usr', DIR],
    ['usr/lib/ostree/ostree-prepare-root', FILE, '#!binary'],
    ['./usr/lib/systemd/system/ostree-prepare-root.service', 0o100644, '[Unit]\n'],
  ]);
  const file = join(scratchDir('initramfs'), 'initramfs.img');
  writeFileSync(file, Buffer.concat([early, Buffer.alloc(512), gzipSync(main)]));
  const entries = await listInitramfs(testContext(), file);
  assert.deepEqual(
    entries.map((e) => e.path),
    [
      'kernel/x86/microcode/GenuineIntel.bin',
      'usr',
      'usr/lib/ostree/ostree-prepare-root',
      'usr/lib/systemd/system/ostree-prepare-root.service',
    ],
  );
  assert.deepEqual(checkOstreeInitramfs(entries), { prepareRoot: true, prepareRootUnit: true });
});

test('initramfs listing: an unknown compression and a cut-short archive are named errors', async () => {
  const dir = scratchDir('initramfs-bad');
  const lz4 = join(dir, 'lz4.img');
  writeFileSync(lz4, Buffer.from([0x04, 0x22, 0x4d, 0x18, 0, 0, 0, 0]));
  await assert.rejects(listInitramfs(testContext(), lz4), (e: unknown) => {
    assert.ok(e instanceof BuildError);
    assert.match(e.message, /unsupported method \(magic 04224d18/);
    return true;
  });
  const cut = join(dir, 'cut.img');
  const whole = archive([['usr/lib/ostree/ostree-prepare-root', FILE, 'x'.repeat(100)]]);
  writeFileSync(cut, gzipSync(whole.subarray(0, 150)));
  await assert.rejects(listInitramfs(testContext(), cut), /cut short/);
});

test('newc reader: any chunking gives the same entries', () => {
  const bytes = archive([
    ['a', DIR],
    ['a/b', FILE, 'hello'],
    ['a/c', LINK, 'b'],
  ]);
  for (const size of [1, 3, 7, 110, bytes.length]) {
    const r = new NewcReader();
    for (let i = 0; i < bytes.length; i += size) r.push(bytes.subarray(i, i + size));
    assert.deepEqual(
      r.entries.map((e) => [e.path, e.mode]),
      [
        ['a', DIR],
        ['a/b', FILE],
        ['a/c', LINK],
      ],
      `chunks of ${size}`,
    );
    assert.ok(r.complete);
  }
  assert.throws(() => new NewcReader().push(Buffer.from('0707xx'.padEnd(120, '0'))), /not a newc/);
});

test('ostree initramfs check: the binary must be a regular file, the unit in a unit directory', () => {
  const e = (path: string, mode = FILE) => ({ path, mode });
  assert.deepEqual(
    checkOstreeInitramfs([e('usr/lib/ostree/ostree-prepare-root', LINK)]),
    { prepareRoot: false, prepareRootUnit: false },
    'a symlink is not the binary',
  );
  assert.deepEqual(
    checkOstreeInitramfs([
      e('lib/ostree/ostree-prepare-root'),
      e('etc/systemd/system/ostree-prepare-root.service'),
    ]),
    { prepareRoot: true, prepareRootUnit: true },
    'a non-merged /lib layout and a unit in /etc count',
  );
  assert.deepEqual(
    checkOstreeInitramfs([
      e('usr/share/doc/ostree-prepare-root'),
      e('ostree-prepare-root.service'),
    ]),
    { prepareRoot: false, prepareRootUnit: false },
  );
});
