import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeLayer } from '../../../src/container/layer.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('layers are reproducible: the same tree gives the same digests', async () => {
  const sc = testContext();
  const tree = scratchDir('layer-tree');
  mkdirSync(join(tree, 'usr/bin'), { recursive: true });
  writeFileSync(join(tree, 'usr/bin/hello'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  writeFileSync(join(tree, 'usr/data'), 'x'.repeat(100000));
  const a = await writeLayer(sc, tree, scratchDir('layout-a'));
  // Touch mtimes: they must not matter.
  writeFileSync(join(tree, 'usr/data'), 'x'.repeat(100000));
  const b = await writeLayer(sc, tree, scratchDir('layout-b'));
  assert.equal(a.digest, b.digest);
  assert.equal(a.diffId, b.diffId);
  assert.notEqual(a.digest, a.diffId, 'digest is of the compressed blob, diff_id of the tar');
  await sc.scope.close();
});
