/**
 * An OSTree commit carries an empty /var: the deployment's /var is shared and persistent, so
 * whatever packages put there must be recreated at boot. This turns the content of the
 * bootstrapped /var into systemd-tmpfiles.d lines: `d` for directories, `L` for symlinks and
 * `C` (copy once) for files, whose content is kept under /usr/share/factory/var.
 */
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
    const path = escapePath(`/var/${e.path}`);
    if (e.type === 'dir') return `d ${path} ${octal(e.mode)} ${e.uid} ${e.gid} - -`;
    if (e.type === 'symlink') return `L ${path} - - - - ${e.target ?? ''}`;
    return `C ${path} ${octal(e.mode)} ${e.uid} ${e.gid} - ${escapePath(`${FACTORY_VAR}/${e.path}`)}`;
  });
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** tmpfiles.d uses C-style escapes; spaces must not split the path field. */
function escapePath(p: string): string {
  return p
    .replace(/\\/g, '\\\\')
    .replace(/\s/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
