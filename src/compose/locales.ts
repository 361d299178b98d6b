/**
 * The treefile's `locales`, compiled into the tree at compose time: /usr/lib/locale is in /usr,
 * read-only on a booted system, so a locale that is not generated here is never there. Each
 * name must be one the suite supports (its /usr/share/i18n/SUPPORTED, from the package
 * locales, which compose installs for them: base-packages.ts); /etc/locale.gen lists exactly
 * them and locale-gen compiles them into the locale archive inside the tree, without network.
 * locale-gen carries on past a locale localedef fails on, so the archive is read back
 * (core/locales.ts) and every name must be in it. With locales-all in the packages nothing is
 * generated: every supported locale is there already, which is checked the same way.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { StepContext } from '../core/context.ts';
import { BuildError, UsageError } from '../core/errors.ts';
import {
  displayLocale,
  localeAvailable,
  localeFacts,
  normalizeLocale,
  parseSupported,
  type SupportedLocale,
} from '../core/locales.ts';
import { run } from '../core/run.ts';
import { closest } from '../core/suggest.ts';
import type { Tree } from '../core/tree.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { installsLocalesAll, LOCALES_ALL } from './base-packages.ts';
import { inRoot } from './chroot.ts';
import type { LockedPackage } from './lockfile.ts';

export const SUPPORTED_FILE = 'usr/share/i18n/SUPPORTED';
export const LOCALE_GEN = 'etc/locale.gen';

/**
 * The SUPPORTED entries of `requested`, in the treefile's order, or the problems: each name the
 * file does not list, with the closest one it does.
 */
export function supportedEntries(
  requested: readonly string[],
  supported: ReadonlyMap<string, SupportedLocale>,
): { entries: SupportedLocale[]; unknown: string[] } {
  const entries: SupportedLocale[] = [];
  const unknown: string[] = [];
  const names = [...supported.values()].map((s) => s.name);
  for (const name of requested) {
    const s = supported.get(normalizeLocale(name));
    if (s) entries.push(s);
    else {
      const near = closest(displayLocale(name), names);
      unknown.push(`${name}${near ? ` (did you mean ${near}?)` : ''}`);
    }
  }
  return { entries, unknown };
}

/** The error for locales SUPPORTED does not list (before installing and after). */
function unsupportedError(tf: Pick<ResolvedTreefile, 'file' | 'suite'>, unknown: string[]) {
  return new UsageError(
    `${tf.file}: locales: ${unknown.join(', ')}: not in /${SUPPORTED_FILE} of Debian ${tf.suite} (the locales it can generate)`,
  );
}

/**
 * Check the treefile's locales against the SUPPORTED file of the glibc the compose is about to
 * install, before anything is installed, so that `compose tree --dry-run` refuses a locale the
 * compose would refuse. The file comes from the package locales at the version resolved for
 * locales (or locales-all: both are built from glibc's source). Its .deb is downloaded with the
 * skeleton's apt (`aptOptions`) once per version; only SUPPORTED is kept, under
 * `skeleton`/locales-supported/. It is read with `tar -O` from dpkg-deb's tar stream: nothing
 * of a package from an arbitrary apt source is unpacked on the host.
 *
 * @param packages the resolved set (name and version).
 * @throws UsageError naming each unknown locale and the closest supported one.
 */
export async function checkLocalesSupported(
  sc: StepContext,
  tf: Pick<ResolvedTreefile, 'file' | 'suite' | 'locales'>,
  skeleton: string,
  aptOptions: readonly string[],
  packages: readonly Pick<LockedPackage, 'name' | 'version'>[],
): Promise<void> {
  const requested = tf.locales ?? [];
  // base-packages.ts adds locales whenever a treefile asks for locales without locales-all.
  const glibc = packages.find((p) => p.name === 'locales' || p.name === LOCALES_ALL);
  if (!requested.length || !glibc) return;
  const dir = join(skeleton, 'locales-supported');
  const cached = join(dir, `SUPPORTED_${glibc.version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
  if (!existsSync(cached)) {
    mkdirSync(dir, { recursive: true });
    const tmp = mkdtempSync(join(dir, 'download-'));
    try {
      await run(sc, ['apt-get', ...aptOptions, 'download', `locales=${glibc.version}`], {
        cwd: tmp,
      });
      const deb = readdirSync(tmp).find((f) => /^locales_.*\.deb$/.test(f));
      if (!deb) throw new BuildError(`apt-get download locales=${glibc.version} wrote no .deb`);
      const tarball = join(tmp, 'data.tar');
      const out = createWriteStream(tarball);
      await run(sc, ['dpkg-deb', '--fsys-tarfile', join(tmp, deb)], { stdout: out });
      await finished(out);
      const text = await run(sc, ['tar', '-xOf', tarball, `./${SUPPORTED_FILE}`]);
      writeFileSync(join(tmp, 'SUPPORTED'), text.stdout);
      renameSync(join(tmp, 'SUPPORTED'), cached);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const { unknown } = supportedEntries(requested, parseSupported(readFileSync(cached, 'utf8')));
  if (unknown.length) throw unsupportedError(tf, unknown);
}

/** /etc/locale.gen listing exactly `entries`, as locale-gen reads it. */
export function localeGenText(entries: readonly SupportedLocale[]): string {
  return [
    '# Written by particle-os from the treefile’s locales: these are compiled into',
    '# /usr/lib/locale/locale-archive at compose time (/usr is read-only once booted).',
    ...entries.map((e) => `${e.name} ${e.charset}`),
    '',
  ].join('\n');
}

/** Generate (or, with locales-all, find) the treefile's locales in the tree. */
export async function generateLocales(
  sc: StepContext,
  tf: Pick<ResolvedTreefile, 'file' | 'packages' | 'locales' | 'suite'>,
  tree: Tree,
): Promise<void> {
  const requested = tf.locales ?? [];
  if (!requested.length) return;
  if (installsLocalesAll(tf.packages)) {
    const facts = localeFacts(tree);
    const missing = requested.filter((l) => !localeAvailable(l, facts));
    if (missing.length)
      throw new UsageError(
        `${tf.file}: locales: ${missing.join(', ')} not in ${LOCALES_ALL} of Debian ${tf.suite} (its /usr/lib/locale has ${facts.dirs.length} locales): not a locale glibc supports`,
      );
    return;
  }
  if (!tree.isFile(SUPPORTED_FILE))
    throw new BuildError(
      `${tf.file}: locales: the tree has no /${SUPPORTED_FILE}, which the package locales installs`,
    );
  const { entries, unknown } = supportedEntries(
    requested,
    parseSupported(tree.readText(SUPPORTED_FILE)),
  );
  if (unknown.length) throw unsupportedError(tf, unknown);
  tree.write(LOCALE_GEN, localeGenText(entries), 0o644);
  await inRoot(sc, tree.root, ['locale-gen']);
  const facts = localeFacts(tree);
  const missing = requested.filter((l) => !localeAvailable(l, facts));
  if (facts.archiveProblem || missing.length)
    throw new BuildError(
      `locale-gen left ${facts.archiveProblem ?? `${missing.join(', ')} out of /usr/lib/locale/locale-archive`} (localedef's output is in the step log)`,
    );
}
