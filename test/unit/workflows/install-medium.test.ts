import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.ts';
import { readMedium } from '../../../src/workflows/install-medium.ts';

function medium(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'medium-test-'));
  mkdirSync(join(dir, 'particle-os'));
  writeFileSync(
    join(dir, 'particle-os', 'install.json'),
    typeof doc === 'string' ? doc : JSON.stringify(doc),
  );
  return dir;
}

test('install.json of a medium: paths resolve below its particle-os/ directory', () => {
  const dir = medium({
    image: 'image',
    recipe: 'recipe.yml',
    minBytes: 3 * 2 ** 30,
    rootfs: 'xfs',
  });
  try {
    const m = readMedium(dir);
    assert.equal(m.dir, join(dir, 'particle-os'));
    assert.equal(m.image, 'image');
    assert.equal(m.minBytes, 3 * 2 ** 30);
    assert.equal(m.rootfs, 'xfs');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('install.json that leaves the medium, has unknown keys or is not JSON is refused by name', () => {
  for (const [doc, why] of [
    [
      { image: '../../etc', recipe: 'r.yml', minBytes: 1, rootfs: 'ext4' },
      /image: .*(relative path|leave)/,
    ],
    [{ image: '/etc', recipe: 'r.yml', minBytes: 1, rootfs: 'ext4' }, /image: a relative path/],
    [
      { image: 'i', recipe: 'r.yml', minBytes: 1, rootfs: 'ext4', device: '/dev/sda' },
      /Unrecognized key/,
    ],
    [{ image: 'i', recipe: 'r.yml', minBytes: 1, rootfs: 'zfs' }, /rootfs: /],
    ['{not json', /not JSON/],
  ] as const) {
    const dir = medium(doc);
    try {
      assert.throws(
        () => readMedium(dir),
        (e: Error) =>
          e instanceof UsageError && /install\.json: /.test(e.message) && why.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  }
  assert.throws(() => readMedium('/nonexistent-medium'), /not an installer medium/);
});
