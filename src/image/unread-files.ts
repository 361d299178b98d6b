/**
 * Recipe files that nothing in the image would read: a file of /etc that only one program
 * reads, written into an image without that program, is accepted and silently does nothing.
 * The build warns about each (and writes it all the same: the image may gain the program in a
 * later version), naming the file, its reader and the Debian packages to add to the treefile.
 * Any recipe file counts, whether a YAML recipe's `files` or one a bootc-image-builder config
 * generated (`locale.keyboard`, `timezone.ntpservers`, `sshd`). Pure: reads the tree, writes
 * nothing.
 *
 * The facts (Debian trixie):
 * - /etc/vconsole.conf is read at boot by systemd-vconsole-setup, which runs kbd's `loadkeys`
 *   (/usr/bin/loadkeys) on the KEYMAP= it names. The keymaps themselves come from
 *   console-data (/usr/share/keymaps/**\/NAME.kmap.gz); upstream kbd's layout
 *   (/usr/share/kbd/keymaps/**\/NAME.map(.gz)) is accepted too. Without both, the console
 *   keeps the kernel's US layout.
 * - /etc/systemd/timesyncd.conf and timesyncd.conf.d/*.conf are read by systemd-timesyncd
 *   (/usr/lib/systemd/systemd-timesyncd, package systemd-timesyncd) only.
 * - /etc/ssh/sshd_config and sshd_config.d/*.conf are read by sshd (/usr/sbin/sshd, package
 *   openssh-server) only.
 * A file in one of those drop-in directories whose name does not end in .conf is not read
 * even when the reader is there; that is warned about as well.
 */
import type { Tree } from '../core/tree.ts';
import type { Recipe } from '../recipe/schema.ts';
import type { KeyProblem } from './etc-nodes.ts';

interface Reader {
  /** What reads the file, as the warning names it. */
  what: string;
  /** The reader's program, at one of these tree paths. */
  programs: string[];
  /** The Debian packages that bring it. */
  packages: string[];
}

const LOADKEYS: Reader = {
  what: 'systemd-vconsole-setup with kbd’s loadkeys',
  programs: ['usr/bin/loadkeys', 'bin/loadkeys'],
  packages: ['kbd', 'console-data'],
};
const TIMESYNCD: Reader = {
  what: 'systemd-timesyncd',
  programs: ['usr/lib/systemd/systemd-timesyncd', 'lib/systemd/systemd-timesyncd'],
  packages: ['systemd-timesyncd'],
};
const SSHD: Reader = {
  what: 'sshd',
  programs: ['usr/sbin/sshd', 'sbin/sshd'],
  packages: ['openssh-server'],
};

/** Files read by one program only: a path, or `dir` holding drop-ins read when named *.conf. */
type Rule = ({ file: string } | { dir: string }) & { reader: Reader };
const ONLY_READERS: Rule[] = [
  { file: 'etc/vconsole.conf', reader: LOADKEYS },
  { file: 'etc/systemd/timesyncd.conf', reader: TIMESYNCD },
  { dir: 'etc/systemd/timesyncd.conf.d', reader: TIMESYNCD },
  { file: 'etc/ssh/sshd_config', reader: SSHD },
  { dir: 'etc/ssh/sshd_config.d', reader: SSHD },
];

/** Where keymaps are looked up, and the file names a keymap NAME may have there. */
const KEYMAP_DIRS = [
  { dir: 'usr/share/keymaps', names: (k: string) => [`${k}.kmap.gz`, `${k}.kmap`] },
  { dir: 'usr/share/kbd/keymaps', names: (k: string) => [`${k}.map.gz`, `${k}.map`] },
];

/** The KEYMAP= of a vconsole.conf (shell-like: the last assignment wins, quotes removed). */
export function keymapOf(text: string): string | undefined {
  let keymap: string | undefined;
  for (const line of text.split('\n')) {
    const m = line.trim().match(/^KEYMAP=(.*)$/);
    if (m) keymap = (m[1] as string).trim().replace(/^(["'])(.*)\1$/, '$2') || undefined;
  }
  return keymap;
}

/** Whether the image has a keymap file for `keymap` in any subdirectory of the keymap dirs. */
function hasKeymap(os: Tree, keymap: string): boolean {
  return KEYMAP_DIRS.some(({ dir, names }) => {
    const wanted = new Set(names(keymap));
    return os
      .walk(dir)
      .some((e) => !e.stats.isDirectory() && wanted.has(e.path.slice(e.path.lastIndexOf('/') + 1)));
  });
}

const addThem = (r: Reader) => `add ${r.packages.join(' and ')} to the treefile’s packages`;

/**
 * Warnings for the recipe files that nothing in the image reads, keyed `files[N].path` (a
 * bootc-image-builder config locates those it generated at the key that produced them).
 */
export function unreadFiles(
  os: Tree,
  files: Pick<Recipe['files'][number], 'path' | 'content'>[],
): KeyProblem[] {
  const hasProgram = (r: Reader) => r.programs.some((p) => os.isFile(p));
  const out: KeyProblem[] = [];
  for (const [i, f] of files.entries()) {
    const path = f.path.split('/').filter(Boolean).join('/');
    const rule = ONLY_READERS.find((r) =>
      'file' in r ? r.file === path : path.startsWith(`${r.dir}/`),
    );
    if (!rule) continue;
    const warn = (message: string) => out.push({ key: ['files', i, 'path'], message });
    const shown = `/${path}`;
    if ('dir' in rule && !path.endsWith('.conf')) {
      warn(`${shown} is never read: ${rule.reader.what} reads only /${rule.dir}/*.conf`);
      continue;
    }
    if (rule.reader === LOADKEYS) {
      // Two parts: the program (kbd) and the keymap it loads (console-data).
      const keymap = keymapOf(f.content);
      const noKbd = !hasProgram(LOADKEYS);
      const noMap = keymap !== undefined && !hasKeymap(os, keymap);
      const lacks = [
        ...(noKbd ? [`no /${LOADKEYS.programs[0]} (kbd)`] : []),
        ...(noMap
          ? [
              `no keymap ${keymap} (${keymap}.kmap.gz under /usr/share/keymaps, console-data; or ${keymap}.map.gz under /usr/share/kbd/keymaps)`,
            ]
          : []),
      ];
      const packages = [...(noKbd ? ['kbd'] : []), ...(noMap ? ['console-data'] : [])];
      if (lacks.length)
        warn(
          `${shown} has no effect: ${LOADKEYS.what} reads it, and the image has ${lacks.join(' and ')}; ${addThem({ ...LOADKEYS, packages })}`,
        );
    } else if (!hasProgram(rule.reader))
      warn(
        `${shown} has no effect: only ${rule.reader.what} reads it, and the image has no /${rule.reader.programs[0]}; ${addThem(rule.reader)}`,
      );
  }
  return out;
}
