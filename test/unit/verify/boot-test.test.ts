import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tcgTextPatchingOops } from '../../../src/verify/boot-test.ts';

test('only an int3 or double-fault oops before any check counts as the TCG emulation race', () => {
  const oops =
    '[    1.341245] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n[    1.342178] RIP: 0010:hrtimer_start_range_ns+0x1c6/0x430\n[    1.344339] Kernel panic - not syncing: Fatal exception in interrupt\n';
  assert.equal(tcgTextPatchingOops(oops), true);
  // Seen in CI under -cpu Westmere: a double fault in kmalloc with a pointer's bits in EFLAGS.
  assert.equal(
    tcgTextPatchingOops(
      '[   63.547449] traps: PANIC: double fault, error_code: 0x0\n[   63.550307] Oops: double fault: 0000 [#1] PREEMPT SMP PTI\n[   63.559992] Kernel panic - not syncing: Fatal exception in interrupt\n',
    ),
    true,
  );
  // Any other panic is the image's problem: no second boot.
  assert.equal(
    tcgTextPatchingOops('[ 9.1] Kernel panic - not syncing: VFS: Unable to mount root fs\n'),
    false,
  );
  // Once a check has run the guest has done work a second boot would repeat: no second boot.
  assert.equal(tcgTextPatchingOops(`PARTICLE-CHECK pass cmdline-has-ostree x\n${oops}`), false);
});
