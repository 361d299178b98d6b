import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.ts';
import {
  blobRef,
  escapeRef,
  originFile,
  originReference,
  parseTargetImage,
} from '../../../src/ostree/container.ts';

test('target image: registry names, OCI paths, bootc origin forms', () => {
  assert.deepEqual(parseTargetImage('quay.io/org/os:stable'), {
    transport: 'registry',
    name: 'quay.io/org/os:stable',
  });
  assert.deepEqual(parseTargetImage('docker://10.0.2.2:5000/debian-atomic/minimal:latest'), {
    transport: 'registry',
    name: '10.0.2.2:5000/debian-atomic/minimal:latest',
  });
  assert.deepEqual(parseTargetImage('oci:/media/usb/os:13'), {
    transport: 'oci',
    name: '/media/usb/os:13',
  });
  assert.equal(
    originReference(parseTargetImage('registry:localhost/os')),
    'ostree-unverified-registry:localhost/os',
  );
  assert.equal(
    originFile(parseTargetImage('oci-archive:/srv/os.ociarchive')),
    '[origin]\ncontainer-image-reference=ostree-unverified-image:oci-archive:/srv/os.ociarchive\n',
  );
});

test('target image: what would smuggle lines into the origin or name no host is refused', () => {
  for (const bad of [
    'quay.io/os:1\ncontainer-image-reference=evil',
    'quay.io/os:1 x',
    'os:latest',
    'library/os',
    '../x/y',
    'a.b/../../x',
    'oci:relative/dir',
    'oci:/a/../etc',
    'quay.io/Upper/Case',
  ])
    assert.throws(() => parseTargetImage(bad), UsageError, JSON.stringify(bad));
});

test('ref escaping is ostree-rs-ext’s and the same as the on-device client’s', () => {
  assert.equal(blobRef('sha256:ab12'), 'ostree/container/blob/sha256_3A_ab12');
  for (const s of ['sha256:0123abcd', 'ostree-unverified-registry:quay.io/org/os:1.0_x']) {
    const client = spawnSync(
      'bash',
      ['-c', '. client/lib/common.sh; . client/lib/image-ref.sh; escape_ref "$1"', 'bash', s],
      { encoding: 'utf8' },
    );
    assert.equal(client.status, 0, client.stderr);
    assert.equal(client.stdout, escapeRef(s), s);
  }
});
