/**
 * The `run` VM's guard against the emulator race of vm/tcg-faults.ts: under TCG, when the
 * current boot dies on such an oops before its login prompt, reset the machine through QEMU's
 * monitor, as a person at the console would, so that a VM nobody watches (`--console log`, the
 * tutorial's) still comes up. Bounded: after `maxResets` it only warns.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { monitorCommand } from '../vm/monitor.ts';
import { raceOopsBeforeLogin } from '../vm/tcg-faults.ts';

/** How much of the console log's tail each look reads: more than a boot prints before login. */
const WINDOW_BYTES = 512 * 1024;

export interface RaceResetOptions {
  consoleLog: string;
  monitorSocket: string;
  /** Told about each reset and about giving up. */
  warn: (message: string) => void;
  /** Default 2. */
  maxResets?: number;
  /** Default 2000. */
  intervalMs?: number;
}

/** Start watching; `stop()` ends the watch (call it when QEMU has exited). */
export function resetOnRaceOops(o: RaceResetOptions): { stop: () => void } {
  const maxResets = o.maxResets ?? 2;
  let resets = 0;
  let resetAt = 0; // bytes of the log that belong to boots already reset
  let busy = false;
  let gaveUp = false;
  const look = async () => {
    if (busy || gaveUp) return;
    busy = true;
    try {
      const { text, size } = tail(o.consoleLog, resetAt);
      const oops = raceOopsBeforeLogin(text);
      if (!oops) return;
      if (resets >= maxResets) {
        gaveUp = true;
        o.warn(
          `the guest kernel died on '${oops}' again after ${resets} reset(s); leaving the VM as it is`,
        );
        return;
      }
      resets++;
      resetAt = size;
      o.warn(
        `the guest kernel died on '${oops}' before the login prompt, an emulator race under TCG; resetting the VM (${resets}/${maxResets})`,
      );
      await monitorCommand(o.monitorSocket, 'system_reset');
    } catch (e) {
      o.warn(`could not reset the VM after an emulator-race oops: ${(e as Error).message}`);
      gaveUp = true;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(look, o.intervalMs ?? 2000);
  timer.unref(); // the VM, not this watch, keeps the process alive
  return { stop: () => clearInterval(timer) };
}

/** The log from `from` (bytes) on, at most its last WINDOW_BYTES; '' while it does not exist. */
function tail(path: string, from: number): { text: string; size: number } {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return { text: '', size: from };
  }
  const start = Math.max(from, size - WINDOW_BYTES);
  if (size <= start) return { text: '', size };
  const buf = Buffer.alloc(size - start);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  return { text: buf.toString('latin1'), size };
}
