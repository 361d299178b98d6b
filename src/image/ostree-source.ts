/**
 * An OSTree repo + ref as the image builder's input (`build --repo DIR --ref REF`): the commit
 * is pulled into the disk's sysroot as it is, so the installed system runs exactly the composed
 * commit. Metadata that an OCI image would carry in labels comes from the commit.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { KARGS_DIR, parseKargsToml } from '../ostree/kargs.ts';
import { commitMetadata, commitTimestamp, resolveRef } from '../ostree/repo.ts';

export interface OstreeSourceInfo {
  commit: string;
  version?: string;
  created: string;
  labels: Record<string, string>;
  /** Sum of the file sizes in the commit. */
  bytes: number;
}

export async function readOstreeSource(
  sc: StepContext,
  repo: string,
  ref: string,
): Promise<OstreeSourceInfo> {
  if (!existsSync(join(repo, 'config'))) throw new UsageError(`no OSTree repo at ${repo}`);
  const commit = await resolveRef(sc, repo, ref);
  if (!commit) throw new UsageError(`ref ${ref} not found in ${repo}`);
  const version = await commitMetadata(sc, repo, commit, 'version');
  const linux = await commitMetadata(sc, repo, commit, 'ostree.linux');
  const created = new Date((await commitTimestamp(sc, repo, commit)) * 1000).toISOString();
  const listing = await run(sc, ['ostree', `--repo=${repo}`, 'ls', '-R', commit, '/usr']);
  const bytes = listing.stdout
    .split('\n')
    .map((l) => Number(l.trim().split(/\s+/)[3] ?? 0))
    .reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return {
    commit,
    version,
    created,
    bytes,
    labels: {
      'ostree.commit': commit,
      ...(linux ? { 'ostree.linux': linux } : {}),
      ...(version ? { 'org.opencontainers.image.version': version } : {}),
      'org.opencontainers.image.title': ref,
    },
  };
}

/** Kernel arguments from the commit's /usr/lib/bootc/kargs.d, without checking it out. */
export async function readCommitKargs(
  sc: StepContext,
  repo: string,
  commit: string,
): Promise<string[]> {
  const dir = `/${KARGS_DIR}`;
  const ls = await run(sc, ['ostree', `--repo=${repo}`, 'ls', commit, dir], { okCodes: [0, 1] });
  if (ls.code !== 0) return [];
  // `ostree ls` lines: TYPE+MODE UID GID SIZE PATH (symlinks add " -> TARGET"). Only regular
  // files count, as for bootc; the path is everything after the size (it may hold spaces).
  const files = ls.stdout
    .split('\n')
    .flatMap((l) => /^-\S+\s+\d+\s+\d+\s+\d+\s+(.+)$/.exec(l)?.[1] ?? [])
    .filter((f) => f.endsWith('.toml'))
    .sort();
  const kargs: string[] = [];
  for (const f of files) {
    const text = (await run(sc, ['ostree', `--repo=${repo}`, 'cat', commit, f])).stdout;
    kargs.push(...parseKargsToml(text, 'x86_64', f));
  }
  return kargs;
}
