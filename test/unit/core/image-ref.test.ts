import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../src/core/errors.ts';
import { parseImageRef } from '../../../src/core/image-ref.ts';

test('image references', () => {
  assert.deepEqual(parseImageRef('oci-archive:/x/y.tar'), {
    transport: 'oci-archive',
    path: '/x/y.tar',
  });
  assert.deepEqual(parseImageRef('oci:/x/dir:v1'), { transport: 'oci', path: '/x/dir', tag: 'v1' });
  assert.deepEqual(parseImageRef('oci:dir'), { transport: 'oci', path: 'dir', tag: 'latest' });
  assert.throws(() => parseImageRef('docker-daemon:x'), UsageError);
  assert.throws(() => parseImageRef('/just/a/path'), UsageError);
});
