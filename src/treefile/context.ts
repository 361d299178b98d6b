/**
 * The treefile context: the only places on the build host a treefile may read from (includes,
 * add-files sources, apt keyrings) or have the repo written to. Like `docker build`'s context,
 * it keeps a treefile from a pull request from copying the host's /etc/shadow into an image
 * or pointing the repo at a system directory. It is the directory the command runs in, and
 * the directory of the treefile named on the command line; symlinks are resolved before the
 * check, so a link in a checkout cannot point out of it.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
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

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}
