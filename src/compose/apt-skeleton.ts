/**
 * A persistent apt skeleton per archive configuration (suite + sources), kept in the cache:
 * mmdebstrap sets it up once (`--simulate --skip=cleanup/apt`), later composes only run
 * `apt-get update` in it. Resolving a package set there takes seconds instead of a fresh
 * mmdebstrap simulation, which is what makes "nothing changed" cheap to find out.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { parseDebLine } from '../core/debian.ts';
import { run } from '../core/run.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { packageSet } from './base-packages.ts';
import { mmdebstrapArgv, sourcesIdentity } from './bootstrap.ts';

/** The Debian archive keyring mmdebstrap verifies with; apt in the skeleton uses it too. */
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export function skeletonDir(cacheRoot: string, tf: ResolvedTreefile): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ suite: tf.suite, mirrors: sourcesIdentity(tf) }))
    .digest('hex')
    .slice(0, 16);
  return join(cacheRoot, 'apt', `${tf.suite}-${key}`);
}

/** apt options that make apt-get/apt-cache work inside the skeleton. */
export function skeletonAptOptions(dir: string, tf: ResolvedTreefile): string[] {
  return [
    `-oDir=${dir}`,
    '-oDebug::NoLocking=true',
    '-oAcquire::Check-Valid-Until=false',
    '-oAPT::Sandbox::User=root',
    `-oDir::Etc::Trusted=${KEYRING}`,
    `-oDir::Etc::TrustedParts=${join(dir, 'etc/apt/trusted.gpg.d')}`,
    `-oAPT::Install-Recommends=${tf.recommends ? 'true' : 'false'}`,
  ];
}

/** Make or refresh the skeleton for `tf`'s archive; returns its directory. */
export async function aptSkeleton(
  sc: StepContext,
  tf: ResolvedTreefile,
  cacheRoot: string,
): Promise<string> {
  const dir = skeletonDir(cacheRoot, tf);
  if (existsSync(join(dir, 'etc/apt/sources.list'))) {
    // --error-on=any: an unreachable source fails here instead of resolving against stale lists.
    await run(sc, ['apt-get', ...skeletonAptOptions(dir, tf), '--error-on=any', 'update']);
    return dir;
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  const argv = mmdebstrapArgv({
    tf: { ...tf, excludePackages: [] },
    // The archive's lists are what the skeleton keeps; the default boot set only checks them.
    packages: packageSet({}, []),
    target: join(tmp, 'root'),
    debCacheDir: tmp,
    work: tmp,
    simulate: true,
  });
  await run(sc, [...argv.slice(0, 1), '--skip=cleanup/apt', ...argv.slice(1)]);
  mkdirSync(join(tmp, 'root/etc/apt/trusted.gpg.d'), { recursive: true });
  mkdirSync(join(cacheRoot, 'apt'), { recursive: true });
  renameSync(join(tmp, 'root'), dir);
  await run(sc, ['rm', '-rf', tmp]);
  return dir;
}

export interface AptSource {
  uri: string;
  suite: string;
}

/** The sources the skeleton's apt uses (one-line format, as mmdebstrap writes them). */
export function skeletonSources(dir: string): AptSource[] {
  const files = [join(dir, 'etc/apt/sources.list')];
  const d = join(dir, 'etc/apt/sources.list.d');
  if (existsSync(d))
    files.push(
      ...readdirSync(d)
        .filter((f) => f.endsWith('.list'))
        .map((f) => join(d, f)),
    );
  const out: AptSource[] = [];
  for (const f of files.filter(existsSync)) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const deb = parseDebLine(line);
      if (deb) out.push({ uri: deb.uri.replace(/\/$/, ''), suite: deb.suite });
    }
  }
  return out;
}
