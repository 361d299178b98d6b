/**
 * An OSTree commit carries an empty /var: the deployment's /var is shared and persistent, so
 * whatever packages put there must be recreated at boot. This turns the content of the
 * bootstrapped /var into systemd-tmpfiles.d lines: `d` for directories, `L` for symlinks and
 * `C` (copy once) for files, whose content is kept under /usr/share/factory/var.
 */
import { BuildError } from '../core/errors.ts';

export interface VarEntry {
  /** Path below /var, without leading slash, e.g. "lib/dpkg". */
  path: string;
  type: 'dir' | 'symlink' | 'file';
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target. */
  target?: string;
}

export const FACTORY_VAR = '/usr/share/factory/var';

/** tmpfiles.d lines for the given /var entries; parents always precede children. */
export function varTmpfilesLines(entries: readonly VarEntry[]): string[] {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sorted.map((e) => {
    const path = tmpfilesPath(`/var/${e.path}`);
    if (e.type === 'dir') return `d ${path} ${octal(e.mode)} ${e.uid} ${e.gid} - -`;
    if (e.type === 'symlink') return `L ${path} - - - - ${symlinkArgument(e)}`;
    return `C ${path} ${octal(e.mode)} ${e.uid} ${e.gid} - ${tmpfilesPath(`${FACTORY_VAR}/${e.path}`)}`;
  });
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * A path as a tmpfiles.d path field: C-style escapes (tmpfiles.d(5)), so that whitespace and
 * control characters in a name can neither split the field nor start a new line.
 */
export function tmpfilesPath(p: string): string {
  // Escaped byte by byte: \xNN is one byte of the UTF-8 name to systemd.
  const bytes = (c: string) =>
    [...Buffer.from(c)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  return p.replace(/[\\\s\p{Cc}]/gu, bytes);
}

/**
 * The argument field of an `L` line is the rest of the line, so a target with whitespace or a
 * control character would change the entry or add one. Such a link is refused, not guessed at.
 */
function symlinkArgument(e: VarEntry): string {
  const target = e.target ?? '';
  if (target === '' || /[\\\s\p{Cc}]/u.test(target))
    throw new BuildError(
      `/var/${e.path}: symlink target ${JSON.stringify(target)} cannot be recreated by tmpfiles.d (empty, or whitespace, backslash or control characters)`,
    );
  return target;
}
