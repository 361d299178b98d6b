/**
 * Resolve a treefile's full package set against the real archive without installing anything:
 * apt simulates the minbase + boot set + treefile install in the cached skeleton (see
 * apt-skeleton.ts), and apt-cache gives each package's architecture, archive checksum and
 * sizes. Used by `compose tree --dry-run`, the input hash and lockfiles.
 */
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { skeletonAptOptions } from './apt-skeleton.ts';
import { requestedPackages } from './base-packages.ts';
import { type LockedPackage, pinnedSpec } from './lockfile.ts';

export interface ResolvedPackages {
  ref: string;
  suite: string;
  packages: LockedPackage[];
  downloadBytes: number;
  installedBytes: number;
}

/**
 * `pinned`: install exactly these versions (from a lockfile); a version the archive no longer
 * has is an error naming it.
 */
export async function resolveInSkeleton(
  sc: StepContext,
  tf: ResolvedTreefile,
  skeleton: string,
  pinned?: LockedPackage[],
): Promise<ResolvedPackages> {
  const aptOpts = skeletonAptOptions(skeleton, tf);
  const requested = pinned ? pinned.map(pinnedSpec) : requestedPackages(tf);
  const sim = await run(
    sc,
    [
      'apt-get',
      ...aptOpts,
      '--simulate',
      'install',
      ...(pinned ? [] : ['?essential', '?priority(required)']),
      ...requested,
      ...tf.excludePackages.map((p) => `${p}-`),
    ],
    { okCodes: [0, 100] },
  );
  // apt prints why a set does not resolve on stdout and only its verdict on stderr.
  if (sim.code !== 0) throw resolveError(tf, sim, !!pinned);
  const names = [...sim.stdout.matchAll(/^Inst (\S+) \((\S+)/gm)].map((m) => ({
    name: m[1] as string,
    version: m[2] as string,
  }));
  const show = await run(sc, [
    'apt-cache',
    ...aptOpts,
    'show',
    '--no-all-versions',
    ...names.map(pinnedSpec),
  ]);
  let downloadBytes = 0;
  let installedBytes = 0;
  const packages: LockedPackage[] = [];
  for (const record of show.stdout.split(/\n\n+/)) {
    const field = (f: string) => record.match(new RegExp(`^${f}: (.+)$`, 'm'))?.[1];
    const name = field('Package');
    if (!name) continue;
    const size = Number(field('Size') ?? 0);
    downloadBytes += size;
    installedBytes += Number(field('Installed-Size') ?? 0) * 1024;
    packages.push({
      name,
      version: field('Version') ?? '',
      architecture: field('Architecture') ?? '',
      sha256: field('SHA256') ?? '',
      size,
    });
  }
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ref: tf.ref, suite: tf.suite, packages, downloadBytes, installedBytes };
}

/**
 * The error for a package set apt cannot install, from its output (`stdout`: the
 * explanation; `stderr`: the E: verdict): a version a lockfile pins that is gone, a version or
 * suite a treefile entry names that the sources lack, names the archive does not have, or else
 * the unmet dependencies apt lists, followed by its verdict.
 */
export function resolveError(
  tf: Pick<ResolvedTreefile, 'file' | 'suite'>,
  out: { stdout: string; stderr: string },
  pinned: boolean,
): UsageError {
  const { stderr } = out;
  const missing = [
    ...stderr.matchAll(
      /Unable to locate package (\S+)|Package '?([^' ]+)'? has no installation candidate/g,
    ),
  ].map((m) => (m[1] ?? m[2]) as string);
  const gone = [...stderr.matchAll(/Version '([^']+)' for '([^']+)' was not found/g)].map(
    (m) => `${m[2]} ${m[1]}`,
  );
  if (gone.length && pinned) {
    return new UsageError(
      `lockfile: not in Debian ${tf.suite} any more: ${gone.join(', ')} (update the lockfile with --write-lockfile)`,
    );
  }
  // A treefile's name=VERSION or name/SUITE that the configured sources do not have.
  const noSuite = [...stderr.matchAll(/Release '([^']+)' for '([^']+)' was not found/g)].map(
    (m) => `${m[2]}/${m[1]}`,
  );
  if (gone.length || noSuite.length) {
    return new UsageError(
      `${tf.file}: not in the apt sources of Debian ${tf.suite}: ${[...gone.map((g) => g.replace(' ', '=')), ...noSuite].join(', ')} (apt-cache policy NAME shows the versions and suites there)`,
    );
  }
  if (missing.length) {
    return new UsageError(
      `${tf.file}: no such package in Debian ${tf.suite}: ${[...new Set(missing)].join(', ')}`,
    );
  }
  const unmet = unmetDependencies(out.stdout);
  const verdict = stderr.trim().split('\n').slice(-8);
  return new UsageError(
    `${tf.file}: the package set does not resolve in Debian ${tf.suite}${pinned ? ' (lockfile)' : ''}:\n${[...unmet, ...verdict].join('\n')}`,
  );
}

/** The headings apt puts above the dependencies it cannot meet (apt 2 and apt 3). */
const UNMET_HEADING =
  /^(?:The following packages have unmet dependencies|Unsatisfied dependencies):\s*$/;

/**
 * apt's "unmet dependencies" block from its stdout: the heading and the indented lines under
 * it (` foo : Depends: bar but it is not installable`, continuation lines), at most `max`
 * lines; [] when there is none.
 */
export function unmetDependencies(stdout: string, max = 40): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => UNMET_HEADING.test(l));
  if (start < 0) return [];
  const block = [lines[start] as string];
  for (const l of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(l)) break;
    block.push(l.trimEnd());
  }
  return block.length > max ? [...block.slice(0, max), `  … ${block.length - max} more`] : block;
}
