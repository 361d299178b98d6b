/**
 * What decides whether a compose would change anything (rpm-ostree's input hash):
 * - the flattened treefile, with the content of every file it pulls in (add-files; the
 *   postprocess-script's text is in the model), plus a format number bumped when compose
 *   output changes;
 * - the resolved package set: name, version, architecture and archive checksum of each package.
 * Both are stored in the commit (`particle-os.inputhash`). A cheaper check runs first: the same
 * treefile against the same archive state (the InRelease files of every source, which pin every
 * Packages index) must resolve to the same set, so `particle-os.archive-state` equal means
 * "no changes" without resolving at all.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ResolvedTreefile } from '../treefile/load.ts';
import { customComponents } from '../treefile/model.ts';
import { anyShebang } from '../treefile/scripts.ts';
import { defaultArchiveSuites } from '../treefile/suites.ts';
import type { AptSource } from './apt-skeleton.ts';
import { clientDigest } from './client-package.ts';
import type { LockedPackage } from './lockfile.ts';

/** Bump when the same inputs would give a different tree (a change in how we compose). */
export const COMPOSE_FORMAT = 2;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Digest of everything the treefile contributes (not where its files live on this host). */
export function treefileDigest(tf: ResolvedTreefile): string {
  const {
    file: _file,
    files: _files,
    warnings: _warnings,
    scriptSites: _scriptSites,
    repo: _repo,
    addFiles,
    aptComponents,
    ...model
  } = tf;
  // Inputs added later enter only when they change something, so the digests of treefiles
  // that do not use them stay as they were (undefined drops out of the JSON).
  return sha256(
    JSON.stringify({
      format: COMPOSE_FORMAT,
      model,
      addFiles: addFiles.map(([src, dest]) => [dest, sha256(readFileSync(src))]),
      client: model.particleOsClient ? clientDigest() : undefined,
      components: customComponents(aptComponents) ? aptComponents : undefined,
      defaultArchive: writesDefaultArchive(tf) ? defaultArchiveSuites(tf.suite) : undefined,
      // A script with a #! line ran with /bin/sh -e until its interpreter ran it: the same
      // treefile may now give another tree. Other treefiles keep their digest.
      interpreters: anyShebang([...tf.postprocess, tf.postprocessScript]) ? 'shebang' : undefined,
    }),
  );
}

/**
 * True when compose writes the default archive's lines itself (apt.sources added to it): their
 * suites are an input (the -updates and -security suites were once left out).
 */
function writesDefaultArchive(tf: ResolvedTreefile): boolean {
  return tf.aptSources.length > 0 && !tf.aptReplace;
}

export function inputHash(treefile: string, packages: readonly LockedPackage[]): string {
  const lines = packages
    .map((p) => `${p.name} ${p.version} ${p.architecture} ${p.sha256}`)
    .sort()
    .join('\n');
  return sha256(`${treefile}\n${lines}\n`);
}

/**
 * Digest of the archive as apt would see it: the InRelease file of every source. Undefined when
 * one cannot be fetched (the caller then resolves the package set instead).
 */
export async function archiveState(
  treefile: string,
  sources: readonly AptSource[],
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (sources.length === 0) return undefined;
  try {
    const bodies = await Promise.all(
      sources.map(async (s) => {
        const res = await fetch(`${s.uri}/dists/${s.suite}/InRelease`, {
          signal: AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(10_000)]),
        });
        if (!res.ok) throw new Error(`${res.status}`);
        return Buffer.from(await res.arrayBuffer());
      }),
    );
    return sha256(Buffer.concat([Buffer.from(`${treefile}\n`), ...bodies]));
  } catch {
    return undefined;
  }
}
