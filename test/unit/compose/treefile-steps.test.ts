import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyTreefileSettings } from '../../../src/compose/treefile-steps.ts';
import { Tree } from '../../../src/core/tree.ts';
import { loadTreefile, type ResolvedTreefile } from '../../../src/treefile/load.ts';
import { canary } from '../../helpers/canary.ts';
import { testContext } from '../../helpers/context.ts';

// Confinement: hostile input must not touch the build host. Canary files are planted outside
// the tree (test/helpers/canary.ts) and must be as planted afterwards.

function treefile(over: Partial<ResolvedTreefile>): ResolvedTreefile {
  return {
    ...loadTreefile('treefiles/debian-minimal.yaml'),
    units: [],
    directories: [],
    removeFiles: [],
    kernelArgs: [],
    ...over,
    file: 'hostile.yaml',
  };
}

test('compose remove-files through a link the postprocess made: error names the key, host intact', async () => {
  const c = canary();
  c.link('usr/lib/x', c.host); // what `ln -s /some/host/dir /usr/lib/x` leaves
  const tf = treefile({ removeFiles: ['usr/lib/x/canary'] });
  await assert.rejects(
    applyTreefileSettings(testContext(), tf, c.tree),
    (e: Error) =>
      /hostile\.yaml: remove-files\[0\]: usr\/lib\/x\/canary does not exist in the tree/.test(
        e.message,
      ) && e.message.includes(`/usr/lib/x -> ${c.host}`),
  );
  c.assertIntact();
});

test('compose directories, var directories and kernel-args through links land in the tree', async () => {
  const c = canary();
  c.link('usr/lib/x', c.host);
  c.link('usr/lib/bootc', c.host);
  c.link('usr/lib/tmpfiles.d', `../../../../../../../../..${c.host}`);
  const tf = treefile({
    directories: ['/usr/lib/x/made', '/var/lib/with space\nR /'],
    kernelArgs: ['quiet'],
  });
  await applyTreefileSettings(testContext(), tf, c.tree);
  c.assertIntact();
  const t = new Tree(c.tree);
  assert.ok(t.isDir('usr/lib/x/made'));
  assert.ok(t.isFile('usr/lib/bootc/kargs.d/10-treefile.toml'));
  const conf = t.readText('usr/lib/tmpfiles.d/particle-os-treefile.conf');
  assert.equal(conf, 'd /var/lib/with\\x20space\\x0aR\\x20/ 0755 root root - -\n', 'one line');
});
