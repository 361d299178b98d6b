/**
 * Guest kernel faults that QEMU's multi-threaded TCG causes and real CPUs never raise, and how
 * to recognise them on a serial console.
 *
 * QEMU 7.2 (Debian 12) can let one vCPU run a stale translation while the kernel patches its
 * own text through an int3 breakpoint on another: the kernel then meets an int3 no patch is
 * pending for and oopses. Seen three times in roughly 70 boots on this machine under `-cpu max`
 * (hrtimer_start_range_ns at 1.3 s, sched_clock_cpu at 2.6 s, devcgroup_check_permission at
 * 9 s) and once in CI on Westmere (2.4 s into the reboot after an upgrade). The same family: an
 * `Oops: double fault` in __kmalloc_node_noprof at 63 s whose saved EFLAGS held a pointer's low
 * bits (35d7d622), seen once in CI on Westmere. Single-threaded TCG (`-accel tcg,thread=single`)
 * avoids the race but made the minimal image's login prompt 28–45 % later (76 s → 97–110 s),
 * so boots stay multi-threaded and whoever owns a VM boots once more instead.
 *
 * A broken kernel module could fault the same way, so owners boot again only a bounded number
 * of times and only before the system was up (before any check, before a login prompt).
 */

/** The oops lines of the emulator race. */
export const TCG_RACE_OOPS = /Oops: (int3|double fault)[^\r\n]*/;

/**
 * Where a new boot starts on a serial console: GRUB's `Booting` line, the kernel's banner, or
 * the kernel's last words before a reboot (printed even with `quiet`).
 */
const BOOT_START = /Booting `|Linux version |reboot: Restarting system/g;

/**
 * The emulator-race oops of the console's last boot, if it came before that boot's login
 * prompt, else undefined. `console` is serial console text (latin1 is fine), possibly only the
 * tail of a log: only what follows its last boot start counts, so a reboot after an earlier
 * oops starts clean, and text with no boot start in it (a window inside a long-running
 * system's log) never counts.
 */
export function raceOopsBeforeLogin(console: string): string | undefined {
  let start = -1;
  for (const m of console.matchAll(BOOT_START)) start = m.index;
  if (start < 0) return undefined;
  const boot = console.slice(start);
  const oops = TCG_RACE_OOPS.exec(boot);
  if (!oops) return undefined;
  const login = /login: ?/.exec(boot);
  return login && login.index < oops.index ? undefined : oops[0].trim();
}
