/**
 * One compose per repo at a time: a lock file next to the repo (`<repo>.lock`, holding the
 * owner's pid) taken before anything is read, released when the compose ends (or by the
 * context's scope on Ctrl-C or failure, so several composes in one process work in turn). A second compose waits; a lock whose owner is gone is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context } from '../core/context.ts';
import { InterruptedError } from '../core/errors.ts';

const POLL_MS = 1000;

/** Take the lock; the returned function releases it (the scope also does, on failure). */
export async function lockRepo(ctx: Context, repo: string): Promise<() => Promise<void>> {
  const file = `${repo.replace(/\/+$/, '')}.lock`;
  mkdirSync(dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    if (tryCreate(file)) break;
    const owner = Number.parseInt(readOwner(file), 10);
    if (!Number.isFinite(owner) || !alive(owner)) {
      rmSync(file, { force: true }); // stale: its compose died without releasing it
      continue;
    }
    if (!told) {
      ctx.reporter.info(`waiting for the compose in process ${owner} to finish with ${repo}`);
      told = true;
    }
    if (ctx.signal.aborted) throw new InterruptedError();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return ctx.scope.defer(`repo lock ${file}`, () => {
    if (readOwner(file) === String(process.pid)) rmSync(file, { force: true });
  });
}

function tryCreate(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function readOwner(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
