/**
 * The treefile context: the only places on the build host a treefile may read from (includes,
 * add-files sources, apt keyrings) or have the repo written to. Like `docker build`'s context,
 * it keeps a treefile from a pull request from copying the host's /etc/shadow into an image
 * or pointing the repo at a system directory. It is the directory the command runs in, and
 * the directory of the treefile named on the command line; symlinks are resolved before the
 * check, so a link in a checkout cannot point out of it.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isWithin } from '../core/tree.ts';

/** Host keyring directories apt's documentation names for signed-by. */
export const HOST_KEYRING_DIRS = ['/usr/share/keyrings', '/etc/apt/keyrings'];

export function defaultContext(topTreefile: string): string[] {
  return [...new Set([process.cwd(), dirname(resolve(topTreefile))].map(realOrSelf))];
}

/**
 * Where `path` really is: its realpath, or for a path that does not exist yet, the realpath of
 * its nearest existing ancestor with the rest appended.
 */
export function realLocation(path: string): string {
  let p = resolve(path);
  const rest: string[] = [];
  while (!existsSync(p)) {
    const parent = dirname(p);
    if (parent === p) break;
    rest.unshift(p.slice(parent.length + (parent.endsWith('/') ? 0 : 1)));
    p = parent;
  }
  return resolve(realOrSelf(p), ...rest);
}

/** undefined when `path` is inside one of `dirs`; otherwise why not. */
export function outsideOf(dirs: readonly string[], path: string): string | undefined {
  const real = realLocation(path);
  if (dirs.some((d) => isWithin(realOrSelf(d), real))) return undefined;
  const shown = real === resolve(path) ? real : `${resolve(path)} (really ${real})`;
  return `${shown} is outside the treefile context (${dirs.join(', ')}); run from a directory that holds it`;
}

/** undefined when `path` is an existing regular file (after symlinks); otherwise why not. */
export function notARegularFile(path: string): string | undefined {
  if (!existsSync(path)) return `${path} does not exist`;
  return statSync(path).isFile() ? undefined : `${path} is not a regular file`;
}

/**
 * The text of a regular file inside the context (`dirs`), or why it cannot be used (outside,
 * missing, not a regular file, too large, not text). The place checked is the place opened:
 * the file's real location, checked to be inside, opened without following a link there and
 * checked again through the open file, so a link swapped in meanwhile is not followed out.
 * Text only (UTF-8, no NUL) and at most `maxBytes`: it is kept in memory and in the model.
 */
export function readContextText(
  dirs: readonly string[],
  path: string,
  maxBytes: number,
): { text: string } | { problem: string } {
  // Nothing outside the context is opened, or even asked whether it exists.
  const refused = outsideOf(dirs, path) ?? notARegularFile(path);
  if (refused) return { problem: refused };
  const real = realLocation(path);
  if (outsideOf(dirs, real)) return { problem: `${path} changed while it was read` };
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return { problem: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: `${path} is not a regular file` };
    // Read at most one byte more than allowed: the file may have grown since fstat.
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
    }
    if (st.size > maxBytes || n > maxBytes)
      return { problem: `${path} is larger than ${maxBytes} bytes` };
    const bytes = buf.subarray(0, n);
    if (bytes.includes(0)) return { problem: `${path} is not a text file (it holds a NUL byte)` };
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return { problem: `${path} is not UTF-8 text` };
    }
  } finally {
    closeSync(fd);
  }
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}
