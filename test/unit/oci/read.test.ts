import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ToolError } from '../../../src/core/errors.ts';
import { applyWhiteouts, openImage, unpackLayers } from '../../../src/oci/read.ts';
import { canary } from '../../helpers/canary.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('whiteouts: .wh.NAME deletes a lower path, an opaque dir keeps only its own layer', () => {
  const root = scratchDir('wh');
  const put = (rel: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), 'x');
  };
  // Lower layers left these; the upper layer brought the markers and opaque/new.
  for (const f of ['etc/gone', 'etc/kept', 'opaque/old', 'opaque/new', 'etc/.wh.gone']) put(f);
  put('opaque/.wh..wh..opq');
  applyWhiteouts(
    ['./etc/', './etc/.wh.gone', 'opaque/', 'opaque/.wh..wh..opq', 'opaque/new'],
    root,
  );
  const left = readdirSync(root, { recursive: true }).map(String).sort();
  assert.deepEqual(left, ['etc', 'etc/kept', 'opaque', 'opaque/new']);
});

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

test("OCI whiteouts through a lower layer's link remove nothing on the host", () => {
  const c = canary();
  c.link('a', c.host);
  applyWhiteouts(['a/.wh.canary', 'a/.wh..wh..opq', 'a/dir/.wh.file'], c.tree);
  c.assertIntact();
});

test('OCI layers: a link to the host then a file through it fails in the sandbox, host intact', async (t) => {
  if (spawnSync('bwrap', ['--version']).status !== 0) return t.skip('bubblewrap is not installed');
  const c = canary();
  const layout = ociLayout(c.host);
  const sc = testContext();
  const image = await openImage(sc, { transport: 'oci', path: layout, tag: 'latest' }, layout);
  const rootfs = join(c.tree, 'rootfs');
  await assert.rejects(
    unpackLayers(sc, image, rootfs),
    (e: Error) => e instanceof ToolError && /bwrap|tar/.test(e.message),
  );
  c.assertIntact();
});

test('OCI digests that climb out of blobs/ or do not match their content are refused', async () => {
  const c = canary();
  const layout = ociLayout(c.host);
  const sc = testContext();
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  index.manifests[0].digest = `sha256:../../../../../../../..${c.host}/canary`;
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  await assert.rejects(
    openImage(sc, { transport: 'oci', path: layout, tag: 'latest' }, layout),
    /not a sha256\/sha512 digest/,
  );
  const other = ociLayout(c.host);
  const blobs = join(other, 'blobs/sha256');
  const manifest = JSON.parse(readFileSync(join(other, 'index.json'), 'utf8')).manifests[0].digest;
  writeFileSync(join(blobs, manifest.slice(7)), '{"tampered": true}');
  await assert.rejects(
    openImage(sc, { transport: 'oci', path: other, tag: 'latest' }, other),
    /does not match its digest|descriptor says/,
  );
  c.assertIntact();
});

/**
 * An OCI layout with two uncompressed layers: the first has `etc -> HOST`, the second writes
 * `etc/canary`, so applying them in order writes the host's canary unless confined.
 */
function ociLayout(host: string): string {
  const dir = scratchDir('hostile-oci');
  const blobs = join(dir, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(blobs, hex), bytes);
    return { digest: `sha256:${hex}`, size: bytes.length };
  };
  // Members named one by one: no directory entry for etc/ that would replace the link.
  const layer = (member: string, setup: (root: string) => void) => {
    const root = scratchDir('layer');
    setup(root);
    const tar = spawnSync('tar', ['--create', '--no-recursion', '--directory', root, member], {
      maxBuffer: 2 ** 26,
    });
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(tar.stdout) };
  };
  const l1 = layer('etc', (r) => spawnSync('ln', ['-s', host, join(r, 'etc')]));
  const l2 = layer('etc/canary', (r) => {
    mkdirSync(join(r, 'etc'));
    writeFileSync(join(r, 'etc/canary'), 'pwned\n');
  });
  const config = put(
    Buffer.from(JSON.stringify({ config: { Labels: { 'containers.bootc': '1' } }, rootfs: {} })),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [l1, l2],
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  return dir;
}
