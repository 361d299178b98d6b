/**
 * Temporary work directories. Outputs are built inside one and renamed into place only when
 * complete. Removal first unmounts anything still mounted below the directory (a tool killed
 * mid-way may leave bind mounts behind) so that deleting never reaches through a mount.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Context } from './context.ts';
import { runCleanup } from './run.ts';

export function makeWorkDir(ctx: Context, prefix: string, base = tmpdir()): string {
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${prefix}-`));
  ctx.scope.defer(`work dir ${dir}`, () => removeTree(dir));
  return dir;
}

/** Mount points at or below `dir`, deepest first. */
export function mountsBelow(dir: string): string[] {
  const root = resolve(dir);
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map(unescapeMountPath)
    .filter((p) => p === root || p.startsWith(`${root}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export function unmountBelow(dir: string): void {
  for (const p of mountsBelow(dir)) runCleanup(['umount', '--lazy', p]);
}

export function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  unmountBelow(dir);
  if (mountsBelow(dir).length > 0) {
    throw new Error(`refusing to delete ${dir}: still has mounts below it`);
  }
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    // ostree marks deployment roots immutable (chattr +i); lift that and retry.
    runCleanup(['chattr', '-R', '-f', '-i', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Move a finished output into place atomically (same filesystem) or by copy as a fallback. */
export function publish(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    // Different filesystem: copy sparse-aware next to the target, then rename.
    const tmp = `${to}.partial-${process.pid}`;
    const r = runCleanup(['cp', '-a', '--sparse=always', '--reflink=auto', from, tmp]);
    if (r.code !== 0) throw new Error(`copying ${from} to ${tmp}: ${r.stderr}`);
    renameSync(tmp, to);
    rmSync(from, { recursive: true, force: true });
  }
}

/** A path as /proc/self/mountinfo and /proc/swaps write it (`\040` for a space) → the path. */
export function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}
