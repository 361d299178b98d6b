/**
 * Bootstrap a Debian root filesystem with mmdebstrap (Debian's own tool; apt resolves the
 * packages against the archive the host or mmdebstrap defaults to). Hooks, in order: the
 * treefile's add-files are uploaded, its postprocess scripts run in the chroot without network
 * (output lands in the step log), then the one initramfs is built with dracut. The kernel's
 * postinst is told not to build one itself (INITRD=No).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APT_OPTIONS } from '../core/apt.ts';
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { shq } from '../core/shell.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { hostArchiveUri } from './host-apt.ts';

const INITRAMFS_HOOK = fileURLToPath(new URL('./hooks/initramfs.sh', import.meta.url));

export interface BootstrapOptions {
  tf: ResolvedTreefile;
  /** Full package set (boot essentials + the treefile's). */
  packages: string[];
  target: string;
  /** .deb cache shared between builds; copied in before and out after the install. */
  cacheDir: string;
  /** Where generated hook inputs (scripts, apt preferences) are written. */
  work: string;
  /** Only resolve the package set (apt simulation); nothing is installed. */
  simulate?: boolean;
}

export function mmdebstrapArgv(o: BootstrapOptions): string[] {
  const { tf } = o;
  const argv = [
    'mmdebstrap',
    '--mode=root',
    '--format=directory',
    '--variant=minbase',
    `--include=${o.packages.join(',')}`,
    ...APT_OPTIONS,
    `--aptopt=APT::Install-Recommends "${tf.recommends ? 'true' : 'false'}"`,
  ];
  if (!tf.documentation) {
    for (const p of ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*'])
      argv.push(`--dpkgopt=path-exclude=${p}`);
    argv.push('--dpkgopt=path-include=/usr/share/doc/*/copyright');
  }
  if (tf.excludePackages.length) {
    // apt preferences with priority -1: these packages can never be installed.
    const prefs = join(o.work, 'exclude.pref');
    writeFileSync(
      prefs,
      tf.excludePackages.map((p) => `Package: ${p}\nPin: release *\nPin-Priority: -1\n`).join('\n'),
    );
    argv.push(
      '--setup-hook=mkdir -p "$1/etc/apt/preferences.d"',
      `--setup-hook=upload ${prefs} /etc/apt/preferences.d/particle-os-exclude`,
    );
    argv.push('--customize-hook=rm -f "$1/etc/apt/preferences.d/particle-os-exclude"');
  }
  if (o.simulate) argv.push('--simulate');
  else {
    argv.push(
      '--skip=download/empty',
      '--setup-hook=mkdir -p "$1/var/cache/apt/archives"',
      `--setup-hook=sync-in ${o.cacheDir} /var/cache/apt/archives`,
      `--customize-hook=sync-out /var/cache/apt/archives ${o.cacheDir}`,
    );
    for (const [src, dest] of tf.addFiles) {
      argv.push(
        `--customize-hook=mkdir -p "$1${dirname(dest)}"`,
        `--customize-hook=upload ${src} ${dest}`,
      );
    }
    tf.postprocess.forEach((script, i) => {
      const file = join(o.work, `postprocess-${i + 1}.sh`);
      writeFileSync(file, script);
      const inTree = `/tmp/particle-os-postprocess-${i + 1}.sh`;
      argv.push(
        `--customize-hook=upload ${file} ${inTree}`,
        `--customize-hook=echo "particle-os: postprocess script ${i + 1}"; unshare --net chroot "$1" /bin/sh -e ${inTree}`,
        `--customize-hook=rm -f "$1${inTree}"`,
      );
    });
    argv.push(
      `--customize-hook=${[INITRAMFS_HOOK, '"$1"', ...tf.initramfsArgs.map(shq)].join(' ')}`,
    );
  }
  argv.push(tf.suite, o.target, ...mirrors(tf));
  return argv;
}

/** Mirror arguments: none (mmdebstrap's default) unless the treefile adds or replaces sources. */
export function mirrors(tf: ResolvedTreefile): string[] {
  if (tf.aptSources.length === 0) return [];
  const lines = tf.aptSources.flatMap((s) =>
    s.uris.flatMap((uri) =>
      s.suites.map(
        (suite) =>
          `deb${s.signedBy ? ` [signed-by=${s.signedBy}]` : ''} ${uri} ${suite} ${s.components.join(' ')}`,
      ),
    ),
  );
  if (tf.aptReplace) return lines;
  const host = hostArchiveUri();
  if (!host) {
    throw new UsageError(
      `${tf.file}: apt.sources adds to the default archive, but the host's apt has no Debian source to copy; list every source and set apt.replace: true`,
    );
  }
  return [`deb ${host} ${tf.suite} main`, ...lines];
}

export async function bootstrap(sc: StepContext, o: BootstrapOptions): Promise<string> {
  mkdirSync(o.cacheDir, { recursive: true });
  for (const [src] of o.tf.addFiles) {
    if (!existsSync(src)) throw new UsageError(`${o.tf.file}: add-files: ${src} does not exist`);
  }
  const r = await run(sc, mmdebstrapArgv(o), {
    env: { INITRD: 'No' },
    okCodes: o.simulate ? [0, 1, 25] : [0],
  });
  return `${r.stdout}\n${r.stderr}`;
}
