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
    applyTreefileSettings(testContext(), tf, c.tree, '13.20260101.0'),
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
  await applyTreefileSettings(testContext(), tf, c.tree, '13.20260101.0');
  c.assertIntact();
  const t = new Tree(c.tree);
  assert.ok(t.isDir('usr/lib/x/made'));
  assert.ok(t.isFile('usr/lib/bootc/kargs.d/10-treefile.toml'));
  const conf = t.readText('usr/lib/tmpfiles.d/particle-os-treefile.conf');
  assert.equal(conf, 'd /var/lib/with\\x20space\\x0aR\\x20/ 0755 root root - -\n', 'one line');
});

test('compose mutate-os-release: the version lands in the tree’s os-release, even through links', async () => {
  const c = canary();
  // Debian's layout, and a hostile package's link from /usr/lib/os-release to the host.
  c.link('etc/os-release', '../usr/lib/os-release');
  c.link('usr/lib/os-release', `${c.host}/passwd`);
  const tf = treefile({ mutateOsRelease: '13' });
  // The link resolves inside the tree, where nothing is there yet: an error naming the key.
  await assert.rejects(
    applyTreefileSettings(testContext(), tf, c.tree, '13.20260101.0'),
    /hostile\.yaml: mutate-os-release: the tree has no \/usr\/lib\/os-release/,
  );
  c.assertIntact();
  const t = new Tree(c.tree);
  // The absolute link target is resolved inside the tree: the file is written there.
  t.write(
    `${c.host}/passwd`,
    'VERSION="13 (trixie)"\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n',
  );
  await applyTreefileSettings(testContext(), tf, c.tree, '13.20260101.0');
  c.assertIntact();
  assert.equal(
    t.readText('etc/os-release'),
    'VERSION="13.20260101.0 (trixie)"\nPRETTY_NAME="Debian GNU/Linux 13.20260101.0 (trixie)"\nOSTREE_VERSION=\'13.20260101.0\'\n',
  );
});

test('compose without mutate-os-release leaves os-release alone', async () => {
  const c = canary();
  const t = new Tree(c.tree);
  t.write('usr/lib/os-release', 'VERSION="13 (trixie)"\n');
  await applyTreefileSettings(testContext(), treefile({}), c.tree, '13.20260101.0');
  assert.equal(t.readText('usr/lib/os-release'), 'VERSION="13 (trixie)"\n');
});
