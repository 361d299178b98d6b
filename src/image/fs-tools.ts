/**
 * mkfs programs that fill XFS and Btrfs from a directory, without a mount or loop device.
 * The host's xfsprogs 6.1 cannot (`mkfs.xfs -p DIR` arrived in 6.17) and the host's
 * btrfs-progs is years old, so both come from NEWER_SUITE and run on the host through that
 * suite's own dynamic loader and libraries: nothing is installed, nothing is chrooted.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { cachedExtract, NEWER_SUITE } from './suite-extract.ts';

export interface FsTools {
  dir: string;
}

const LOADER = 'usr/lib64/ld-linux-x86-64.so.2';
const LIBS = ['usr/lib/x86_64-linux-gnu'];
const PROGRAMS = {
  'mkfs.xfs': 'usr/sbin/mkfs.xfs',
  'mkfs.btrfs': 'usr/sbin/mkfs.btrfs',
  btrfs: 'usr/bin/btrfs',
};

export function fsTools(sc: StepContext, cacheRoot: string): Promise<FsTools> {
  return cachedExtract(sc, {
    dir: join(cacheRoot, `fstools-${NEWER_SUITE}`),
    packages: ['xfsprogs', 'btrfs-progs'],
    ready: (dir) => [LOADER, ...Object.values(PROGRAMS)].every((f) => existsSync(join(dir, f))),
    prepare: (root, out) => {
      for (const junk of ['usr/share/doc', 'usr/share/man', 'usr/share/locale'])
        rmSync(join(root, junk), { recursive: true, force: true });
      renameSync(join(root, 'usr'), join(out, 'usr'));
    },
  }).then((dir) => ({ dir }));
}

/** argv running one of the tools through its suite's loader. */
export function toolArgv(t: FsTools, program: keyof typeof PROGRAMS, args: string[]): string[] {
  const libraryPath = LIBS.map((l) => join(t.dir, l)).join(':');
  return [
    join(t.dir, LOADER),
    '--library-path',
    libraryPath,
    join(t.dir, PROGRAMS[program]),
    ...args,
  ];
}

/**
 * mkfs.xfs feature set for the image's kernel: the newest of xfsprogs' `lts_X.Y.conf` files
 * not newer than the kernel, so the kernel in the image can mount what we make.
 */
export function xfsConfigFor(t: FsTools, kernelVersion: string): string {
  const dir = join(t.dir, 'usr/share/xfsprogs/mkfs');
  const [major = 0, minor = 0] = kernelVersion.split(/[.-]/).map((n) => Number.parseInt(n, 10));
  const wanted = major * 1000 + minor;
  const confs = readdirSync(dir)
    .map((f) => /^lts_(\d+)\.(\d+)\.conf$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: join(dir, m[0]), v: Number(m[1]) * 1000 + Number(m[2]) }))
    .filter((c) => c.v <= wanted)
    .sort((a, b) => b.v - a.v);
  const best = confs[0];
  if (!best) throw new Error(`no mkfs.xfs feature set for kernel ${kernelVersion} in ${dir}`);
  return best.file;
}
