import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tcgTextPatchingOops } from '../../../src/verify/boot-test.ts';

test('only an int3 oops before any check counts as the TCG text-patching race', () => {
  const oops =
    '[    1.341245] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n[    1.342178] RIP: 0010:hrtimer_start_range_ns+0x1c6/0x430\n[    1.344339] Kernel panic - not syncing: Fatal exception in interrupt\n';
  assert.equal(tcgTextPatchingOops(oops), true);
  // Any other panic is the image's problem: no second boot.
  assert.equal(
    tcgTextPatchingOops('[ 9.1] Kernel panic - not syncing: VFS: Unable to mount root fs\n'),
    false,
  );
  // Once a check has run the guest has done work a second boot would repeat: no second boot.
  assert.equal(tcgTextPatchingOops(`PARTICLE-CHECK pass cmdline-has-ostree x\n${oops}`), false);
});
