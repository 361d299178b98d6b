import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inputHash } from '../../../src/compose/input-hash.ts';
import { formatComposePlan, planCompose } from '../../../src/compose/plan.ts';
import { pkg } from '../../helpers/packages.ts';

const resolved = {
  ref: 'debian/13/x86_64/minimal',
  suite: 'trixie',
  packages: [pkg('base-files', '13.8'), pkg('systemd', '257.9-1')],
  downloadBytes: 50 * 2 ** 20,
  installedBytes: 200 * 2 ** 20,
};
const base = {
  repo: '/r',
  request: { kernel: 'linux-image-amd64', pinned: [] },
  resolved,
  locked: false,
  treefileDigest: 'd'.repeat(64),
  archiveState: 'e'.repeat(64),
  force: false,
};

test('compose plan: the input hash the commit will carry, and no parent means work to do', () => {
  const p = planCompose(base);
  assert.equal(p.inputHash, inputHash('d'.repeat(64), resolved.packages));
  assert.equal(p.unchanged, false);
  assert.equal(p.parent, undefined);
  assert.equal(p.archiveState, 'e'.repeat(64));
  assert.deepEqual(
    p.packages.map((x) => x.name),
    ['base-files', 'systemd'],
  );
  assert.equal(
    formatComposePlan(p),
    'debian/13/x86_64/minimal: 2 packages from Debian trixie, download 50 MiB, installed 200 MiB\n  kernel: linux-image-amd64 (not in the package set)\n',
  );
});

test('compose plan: the kernel (flavour, what was asked, what resolved) and the pinned packages', () => {
  const withKernel = {
    ...resolved,
    packages: [...resolved.packages, pkg('linux-image-cloud-amd64', '6.16.3-1~bpo13+1')],
  };
  const p = planCompose({
    ...base,
    resolved: withKernel,
    request: {
      kernel: 'linux-image-cloud-amd64/trixie-backports',
      flavour: 'cloud',
      pinned: ['linux-image-cloud-amd64/trixie-backports', 'less=668-1'],
    },
  });
  assert.deepEqual(p.kernel, {
    flavour: 'cloud',
    requested: 'linux-image-cloud-amd64/trixie-backports',
    version: '6.16.3-1~bpo13+1',
  });
  assert.deepEqual(p.pinned, ['linux-image-cloud-amd64/trixie-backports', 'less=668-1']);
  assert.deepEqual(formatComposePlan(p).split('\n').slice(1), [
    '  kernel: linux-image-cloud-amd64 6.16.3-1~bpo13+1 (kernel-flavour: cloud; asked for linux-image-cloud-amd64/trixie-backports)',
    '  pinned: linux-image-cloud-amd64/trixie-backports, less=668-1',
    '',
  ]);
  // The plan is data: the JSON of --dry-run --json carries both.
  const json = JSON.parse(JSON.stringify(p));
  assert.equal(json.kernel.flavour, 'cloud');
  assert.equal(planCompose(base).kernel.flavour, 'default');
});

test('compose plan: unchanged only when the parent has the same input hash and no force', () => {
  const same = inputHash('d'.repeat(64), resolved.packages);
  const parent = { commit: 'c'.repeat(64), inputHash: same };
  assert.equal(planCompose({ ...base, parent }).unchanged, true);
  assert.match(formatComposePlan(planCompose({ ...base, parent })), /no changes: c{64} has/);
  assert.equal(planCompose({ ...base, parent, force: true }).unchanged, false);
  assert.equal(
    planCompose({ ...base, parent: { ...parent, inputHash: 'f'.repeat(64) } }).unchanged,
    false,
  );
  // One more package: another hash, so a new commit.
  const grown = { ...resolved, packages: [...resolved.packages, pkg('tcpdump', '4.99')] };
  assert.equal(planCompose({ ...base, resolved: grown, parent }).unchanged, false);
  assert.equal(planCompose({ ...base, parent }).parent, 'c'.repeat(64));
});
