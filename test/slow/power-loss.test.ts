/**
 * The slow target (`npm run test:slow`, not in CI): pull the plug in the middle of in-guest
 * upgrades — during the pull and during the deploy, at several delays — and require that the
 * next boot comes up on the old deployment, the repo passes `ostree fsck`, and a retried
 * upgrade succeeds. About 15 minutes under TCG.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upgradeTest } from '../helpers/upgrade-test.ts';

const isRoot = process.getuid?.() === 0;

test('power loss during pull and deploy: old deployment boots, retry succeeds', {
  skip: !isRoot && 'needs root',
  timeout: 60 * 60_000,
}, () => {
  const { status, result } = upgradeTest('power-loss', ['--power-loss']);
  assert.ok(result.powerLoss && result.powerLoss.length >= 4, 'at least four cut points');
  assert.ok(
    result.powerLoss.some((p) => p.phase === 'pull' && !p.finishedBeforeCut),
    'a cut really interrupted a pull',
  );
  assert.ok(
    result.powerLoss.some((p) => p.phase === 'deploy' && !p.finishedBeforeCut),
    'a cut really interrupted a deploy',
  );
  for (const p of result.powerLoss) {
    const failed = p.recovery.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    assert.deepEqual(failed, [], `${p.phase}+${p.delayMs}ms recovery`);
    assert.ok(p.passed);
  }
  assert.equal(status, 0);
});
