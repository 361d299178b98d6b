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
import { customComponents } from '../treefile/model.ts';
import { defaultArchiveSuites } from '../treefile/suites.ts';
import { type HostArchive, hostArchive } from './host-apt.ts';

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
    ...componentsArgv(tf),
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

/**
 * The security archive when the host's apt names none: `…/debian-security` next to the host's
 * `…/debian` on the same mirror, the layout Debian's mirror network uses for both.
 */
export function securityArchiveNextTo(archiveUri: string): string {
  return archiveUri.replace(/\/debian\/?$/, '/debian-security');
}

/**
 * Mirror arguments (sources.list lines), computed before anything runs:
 * - nothing set: none, so mmdebstrap writes its default (the archive, and for a stable suite
 *   its -updates and -security suites);
 * - `apt.replace: true`: only the treefile's sources;
 * - otherwise the default archive as mmdebstrap would write it (defaultArchiveLines, from the
 *   host's archive: `host`), then the treefile's sources. Adding a source must not drop the
 *   -updates and -security suites: the image would get an older kernel without security fixes.
 * Only `apt.components` set: none either; componentsArgv passes them to mmdebstrap's default.
 * Throws UsageError when the default archive must be written out and the host names none.
 */
export function mirrors(
  tf: ResolvedTreefile,
  host: () => HostArchive | undefined = hostArchive,
): string[] {
  const lines = sourceLines(tf);
  if (tf.aptReplace) return lines;
  if (lines.length === 0) return [];
  const archive = host();
  if (!archive) {
    throw new UsageError(
      `${tf.file}: apt.sources adds to the default archive, but the host's apt has no Debian source to copy; list every source and set apt.replace: true`,
    );
  }
  return [...defaultArchiveLines(tf.suite, tf.aptComponents, archive), ...lines];
}

/**
 * What mmdebstrap is told about the sources (componentsArgv, then mirrors): the part of the
 * apt skeleton's and the tree cache's keys that says where packages come from.
 */
export function sourcesIdentity(tf: ResolvedTreefile): string[] {
  return [...componentsArgv(tf), ...mirrors(tf)];
}

/** `--components=…` for mmdebstrap's default sources when the treefile sets only components. */
export function componentsArgv(tf: ResolvedTreefile): string[] {
  if (tf.aptReplace || tf.aptSources.length || !customComponents(tf.aptComponents)) return [];
  return [`--components=${tf.aptComponents.join(',')}`];
}

/**
 * The default archive's lines: `suite` from `archive.uri`; for a released stable suite also
 * `suite-updates` from the same archive and `suite-security` from the security archive (the
 * host's, else the one next to the archive on its mirror), each with `components`. The same lines mmdebstrap writes by default.
 */
export function defaultArchiveLines(
  suite: string,
  components: readonly string[],
  archive: HostArchive,
): string[] {
  const uri = (s: string) =>
    s.endsWith('-security')
      ? (archive.security ?? securityArchiveNextTo(archive.uri))
      : archive.uri;
  return defaultArchiveSuites(suite).map((s) =>
    renderDebLine({ uri: uri(s), suite: s, components: [...components] }),
  );
}

/** The treefile's own sources, one line per URI and suite. */
function sourceLines(tf: ResolvedTreefile): string[] {
  return tf.aptSources.flatMap((s) =>
    s.uris.flatMap((uri) =>
      s.suites.map((suite) =>
        renderDebLine({ uri, suite, components: s.components, signedBy: s.signedBy }),
      ),
    ),
  );
}

export async function bootstrap(sc: StepContext, o: BootstrapOptions): Promise<string> {
  mkdirSync(o.debCacheDir, { recursive: true });
  const r = await run(sc, mmdebstrapArgv(o), {
    env: { INITRD: 'No' },
    okCodes: o.simulate ? [0, 1, 25] : [0],
  });
  return `${r.stdout}\n${r.stderr}`;
}
