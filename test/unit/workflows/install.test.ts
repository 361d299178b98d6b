import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.ts';
import { findOnPath } from '../../../src/core/host-tools.ts';
import { MEDIA } from '../../../src/oci/descriptor.ts';
import {
  blobPath,
  finishLayout,
  imageConfig,
  imageManifest,
  sha256,
  writeJsonBlob,
} from '../../../src/oci/write.ts';
import { loadRecipe } from '../../../src/recipe/load.ts';
import {
  type InstallOptions,
  installToDisk,
  planInstallToDisk,
} from '../../../src/workflows/install.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

const MiB = 2 ** 20;

/** A bootc image layout whose one layer is a few bytes: the dry run only reads its size. */
function tinyImage(): string {
  const layout = scratchDir('tiny-oci');
  const bytes = Buffer.alloc(4096, 'x');
  const digest = sha256(bytes);
  writeFileSync(blobPath(layout, digest), bytes);
  const layer = { mediaType: MEDIA.layerGzip, digest, size: bytes.length, diffId: digest };
  const config = writeJsonBlob(
    layout,
    MEDIA.config,
    imageConfig({
      created: '2025-01-01T00:00:00Z',
      labels: { 'containers.bootc': '1', 'org.opencontainers.image.title': 'test/tiny' },
      layers: [layer],
    }),
  );
  const manifest = writeJsonBlob(layout, MEDIA.manifest, imageManifest(config, [layer], {}));
  finishLayout(layout, manifest, 'test/tiny:latest');
  return layout;
}

function options(target: string, wipe = false): InstallOptions {
  const dir = scratchDir('install');
  return {
    target,
    image: { transport: 'oci', path: tinyImage(), tag: 'latest' },
    recipe: loadRecipe('recipes/minimal.yml'),
    wipe,
    cacheDir: join(dir, 'cache'),
    workBase: dir,
  };
}

function sparseFile(size: string): string {
  const file = join(scratchDir('target'), 'disk.raw');
  writeFileSync(file, '');
  spawnSync('truncate', ['-s', size, file]);
  return file;
}

const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

test('the dry run plans a disk of the whole target, the minimum from the image stage', async (t) => {
  if (!findOnPath('wipefs')) return t.skip('wipefs missing');
  const target = sparseFile('2G');
  const ctx = testContext();
  const plan = await planInstallToDisk(ctx, options(target));
  await ctx.scope.close();
  assert.equal(plan.refusal, undefined);
  assert.equal(plan.diskBytes, 2048 * MiB);
  assert.equal(plan.recipe, 'debian-minimal');
  assert.match(plan.image, /^oci:.*:latest$/);
  // ESP + /boot + BIOS boot + alignment and a few MiB of OS.
  assert.ok(plan.minBytes > 1152 * MiB && plan.minBytes < 1200 * MiB, String(plan.minBytes));
});

test('a refused install writes nothing: too small and a partition table, no --wipe', async (t) => {
  if (!findOnPath('wipefs') || !findOnPath('sfdisk')) return t.skip('wipefs or sfdisk missing');
  const target = sparseFile('64M');
  spawnSync('sfdisk', ['--quiet', target], { input: 'label: gpt\n,\n' });
  const before = hash(target);
  const ctx = testContext();
  await assert.rejects(
    installToDisk(ctx, options(target)),
    (e) =>
      e instanceof UsageError &&
      /disk\.raw is too small: 64 MiB, the image needs at least \d+ MiB; .*\(gpt, PMBR\); pass --wipe to overwrite$/.test(
        e.message,
      ),
  );
  await ctx.scope.close();
  assert.equal(hash(target), before);
  assert.ok(!existsSync(target.replace(/\.raw$/, '.plan.json')));
});
