import assert from 'node:assert/strict';
import { test } from 'node:test';
import { raceOopsBeforeLogin } from '../../../src/vm/tcg-faults.ts';

const grub = "  Booting `Debian GNU/Linux 13 (trixie) 13.20261201.0 (ostree:0)'\r\n";
const oops = '[    2.412345] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\r\n[    2.41] RIP: 0010:x\r\n';
const login = '\r\ndebian-atomic login: ';

test('an emulator-race oops counts only in the last boot and only before its login prompt', () => {
  assert.equal(raceOopsBeforeLogin(grub + oops), 'Oops: int3: 0000 [#1] PREEMPT SMP NOPTI');
  // The tutorial's case: the system was up, rebooted (the kernel's last words), and the next
  // boot died before its prompt.
  assert.equal(
    raceOopsBeforeLogin(`${grub}${login}[  90.1] reboot: Restarting system\r\n${oops}`),
    'Oops: int3: 0000 [#1] PREEMPT SMP NOPTI',
  );
  // After the prompt the system was up: someone's work would be lost by a reset.
  assert.equal(raceOopsBeforeLogin(grub + login + oops), undefined);
  // A boot after the oopsed one starts clean.
  assert.equal(raceOopsBeforeLogin(grub + oops + grub + login), undefined);
  // A tail of a long-running system's log with no boot start in it never counts.
  assert.equal(raceOopsBeforeLogin(oops), undefined);
  // Other panics are the image's own.
  assert.equal(
    raceOopsBeforeLogin(`${grub}[ 9.1] Kernel panic - not syncing: VFS: Unable to mount root fs`),
    undefined,
  );
  assert.equal(
    raceOopsBeforeLogin(
      '[    0.000000] Linux version 6.12\r\n[   63.55] Oops: double fault: 0000 [#1] PREEMPT SMP PTI\r\n',
    ),
    'Oops: double fault: 0000 [#1] PREEMPT SMP PTI',
  );
});
