import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.ts';
import { DiskTooSmallError, diskLayout, minimumDiskFor } from '../../../src/image/disk-size.ts';
import { type Recipe, RecipeSchema } from '../../../src/recipe/schema.ts';

const ids = { root: 'r', boot: 'b', disk: 'D', esp: 'ABCD-EF01' };
const recipe = (size: string): Recipe => ({
  ...RecipeSchema.parse({ name: 'x', disk: { size } }),
  file: '/r.yml',
});

test('a decimal disk size ("12 GB") becomes whole MiB, at least as large as asked', () => {
  const { diskBytes, partitions } = diskLayout(2 ** 30, recipe('12 GB'), ids);
  assert.equal(diskBytes % 2 ** 20, 0);
  assert.ok(diskBytes >= 12e9 && diskBytes - 12e9 < 2 ** 20, String(diskBytes));
  assert.equal(partitions.at(-1)?.name, 'root');
});

test('the plan’s minimum is the smallest disk.size accepted; below it, DiskTooSmallError', () => {
  const os = 2 ** 30;
  const { minBytes } = diskLayout(os, recipe('100G'), ids);
  assert.equal(minBytes, minimumDiskFor(os));
  assert.equal(minBytes % 2 ** 20, 0);
  assert.equal(diskLayout(os, recipe(String(minBytes)), ids).diskBytes, minBytes);
  assert.throws(
    () => diskLayout(os, recipe(String(minBytes - 1)), ids),
    (e) =>
      e instanceof DiskTooSmallError &&
      e instanceof UsageError &&
      e.minBytes === minBytes &&
      /^\/r\.yml: disk\.size \d+ is too small: the OS needs 1024 MiB, use at least 4G$/.test(
        e.message,
      ),
  );
});
