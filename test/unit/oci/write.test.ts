import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MEDIA } from '../../../src/oci/descriptor.ts';
import {
  archiveNames,
  finishLayout,
  imageConfig,
  imageManifest,
  sha256,
  writeJsonBlob,
} from '../../../src/oci/write.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('OCI documents: labels, diff_ids, descriptors and a deterministic digest', () => {
  const layer = { mediaType: MEDIA.layerGzip, digest: 'sha256:aa', size: 10, diffId: 'sha256:bb' };
  const cfg = imageConfig({
    created: '2026-01-01T00:00:00Z',
    labels: { 'z.b': '1', 'a.a': '2' },
    cmd: ['/sbin/init'],
    layers: [layer],
  });
  assert.deepEqual(Object.keys((cfg as { config: { Labels: object } }).config.Labels), [
    'a.a',
    'z.b',
  ]);
  assert.deepEqual((cfg as { rootfs: unknown }).rootfs, {
    type: 'layers',
    diff_ids: ['sha256:bb'],
  });
  const layout = scratchDir('oci');
  const c1 = writeJsonBlob(layout, MEDIA.config, cfg);
  const c2 = writeJsonBlob(layout, MEDIA.config, cfg);
  assert.equal(c1.digest, c2.digest);
  assert.equal(c1.digest, sha256(readFileSync(join(layout, 'blobs/sha256', c1.digest.slice(7)))));
  const m = imageManifest(c1, [layer], { x: 'y' }) as {
    layers: { digest: string }[];
    mediaType: string;
  };
  assert.equal(m.mediaType, MEDIA.manifest);
  assert.equal(m.layers[0]?.digest, 'sha256:aa');
  const md = writeJsonBlob(layout, MEDIA.manifest, m);
  finishLayout(layout, md, 'v1');
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  assert.equal(index.manifests[0].digest, md.digest);
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');
  assert.deepEqual(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8')), {
    imageLayoutVersion: '1.0.0',
  });
  // An archive: the manifest named NAME:VERSION.
  finishLayout(layout, md, archiveNames('debian/13/x86_64/minimal', '13.20261130.0'));
  const named = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  assert.deepEqual(
    named.manifests.map((m: { digest: string; annotations: Record<string, string> }) => [
      m.digest,
      m.annotations['org.opencontainers.image.ref.name'],
    ]),
    [[md.digest, 'debian/13/x86_64/minimal:13.20261130.0']],
  );
  assert.deepEqual(archiveNames('Not A/Ref'), ['particle-os/image:latest']);
});
