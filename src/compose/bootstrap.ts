/**
 * Bootstrap a Debian root filesystem with mmdebstrap (Debian's own tool; apt resolves the
 * packages against the archive the host or mmdebstrap defaults to). Only the packages are
 * installed here; the treefile's add-files, postprocess and initramfs follow in customize.ts.
 * The kernel's postinst is told not to build an initramfs itself (INITRD=No).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { APT_OPTIONS, renderDebLine } from '../core/debian.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { hostArchiveUri } from './host-apt.ts';

/** Where the install step leaves the package exclusions (apt preferences, priority -1). */
export const EXCLUDE_PREFS = 'etc/apt/preferences.d/particle-os-exclude';

export interface BootstrapOptions {
  tf: ResolvedTreefile;
  /** Full package set (boot essentials + the treefile's). */
  packages: string[];
  target: string;
  /** .deb cache shared between builds; copied in before and out after the install. */
  debCacheDir: string;
  /** Where generated hook inputs (the apt preferences of exclude-packages) are written. */
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
    // Kept in the installed tree so an incremental install honours it too; customize removes it.
    argv.push(
      '--setup-hook=mkdir -p "$1/etc/apt/preferences.d"',
      `--setup-hook=upload ${prefs} /${EXCLUDE_PREFS}`,
    );
  }
  if (o.simulate) argv.push('--simulate');
  else
    argv.push(
      '--skip=download/empty',
      '--setup-hook=mkdir -p "$1/var/cache/apt/archives"',
      `--setup-hook=sync-in ${o.debCacheDir} /var/cache/apt/archives`,
      `--customize-hook=sync-out /var/cache/apt/archives ${o.debCacheDir}`,
    );
  argv.push(tf.suite, o.target, ...mirrors(tf));
  return argv;
}

/** Mirror arguments: none (mmdebstrap's default) unless the treefile adds or replaces sources. */
export function mirrors(tf: ResolvedTreefile): string[] {
  if (tf.aptSources.length === 0) return [];
  const lines = tf.aptSources.flatMap((s) =>
    s.uris.flatMap((uri) =>
      s.suites.map((suite) =>
        renderDebLine({ uri, suite, components: s.components, signedBy: s.signedBy }),
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
  return [renderDebLine({ uri: host, suite: tf.suite, components: ['main'] }), ...lines];
}

export async function bootstrap(sc: StepContext, o: BootstrapOptions): Promise<string> {
  mkdirSync(o.debCacheDir, { recursive: true });
  const r = await run(sc, mmdebstrapArgv(o), {
    env: { INITRD: 'No' },
    okCodes: o.simulate ? [0, 1, 25] : [0],
  });
  return `${r.stdout}\n${r.stderr}`;
}
