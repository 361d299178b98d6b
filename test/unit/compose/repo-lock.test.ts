import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockRepo } from '../../../src/compose/repo-lock.ts';
import { testContext } from '../../helpers/context.ts';
import { scratchDir } from '../../helpers/scratch.ts';

test('repo lock: a second compose waits for the first; a dead owner’s lock is taken over', async () => {
  const dir = scratchDir('repolock');
  const repo = join(dir, 'repo');
  const first = testContext();
  await lockRepo(first, repo);
  assert.equal(readFileSync(`${repo}.lock`, 'utf8'), String(process.pid));
  // Same pid owns it, so the second waiter sees a live owner and waits until release.
  const second = testContext();
  let acquired = false;
  const waiting = lockRepo(second, repo).then(() => {
    acquired = true;
  });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(acquired, false, 'still waiting while the first holds the lock');
  assert.ok(second.events.some((e) => e.startsWith('info waiting for the compose')));
  await first.scope.close();
  await waiting;
  assert.equal(acquired, true);
  await second.scope.close();
  assert.equal(existsSync(`${repo}.lock`), false, 'released');
  // Two composes in turn in one process (upgrade-test does v1 then v2): release, then relock.
  const same = testContext();
  const release = await lockRepo(same, repo);
  await release();
  await (await lockRepo(same, repo))();
  await same.scope.close();
  writeFileSync(`${repo}.lock`, '999999999');
  const third = testContext();
  await lockRepo(third, repo);
  assert.equal(readFileSync(`${repo}.lock`, 'utf8'), String(process.pid), 'stale lock taken over');
  await third.scope.close();
});
