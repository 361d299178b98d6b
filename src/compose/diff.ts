/**
 * `compose diff FROM TO`: packages added, removed, upgraded and downgraded between two commits,
 * from the package lists composes record in commit metadata.
 */
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';
import { commitMetadata, resolveRef } from '../ostree/repo.ts';
import {
  diffPackages,
  type PackageDiff,
  parseGvariantStrings,
  parsePackageLine,
} from './package-list.ts';
import { META } from './steps.ts';

export interface ComposeDiff extends PackageDiff {
  from: string;
  to: string;
}

export async function composeDiff(
  ctx: Context,
  repo: string,
  from: string,
  to: string,
): Promise<ComposeDiff> {
  return step(ctx, `diff ${from} ${to}`, async (sc) => {
    const packagesAt = async (rev: string) => {
      const commit = await resolveRef(sc, repo, rev);
      if (!commit) throw new UsageError(`${repo}: no such ref or commit: ${rev}`);
      const list = await commitMetadata(sc, repo, commit, META.packages);
      if (list === undefined) {
        throw new UsageError(
          `${rev} (${commit.slice(0, 12)}) has no package list: it was composed before particle-os recorded one`,
        );
      }
      return { commit, packages: parseGvariantStrings(list).map(parsePackageLine) };
    };
    const a = await packagesAt(from);
    const b = await packagesAt(to);
    const newer = async (x: string, y: string) =>
      (await run(sc, ['dpkg', '--compare-versions', x, 'gt', y], { okCodes: [0, 1] })).code === 0;
    return { from: a.commit, to: b.commit, ...(await diffPackages(a.packages, b.packages, newer)) };
  });
}

export function formatDiff(d: ComposeDiff): string {
  const lines = [`${d.from.slice(0, 12)} → ${d.to.slice(0, 12)}`];
  const section = (title: string, items: string[]) => {
    if (items.length) lines.push(`${title}:`, ...items.map((i) => `  ${i}`));
  };
  section(
    'Added',
    d.added.map((p) => `${p.name} ${p.version}`),
  );
  section(
    'Removed',
    d.removed.map((p) => `${p.name} ${p.version}`),
  );
  section(
    'Upgraded',
    d.upgraded.map((p) => `${p.name} ${p.from} → ${p.to}`),
  );
  section(
    'Downgraded',
    d.downgraded.map((p) => `${p.name} ${p.from} → ${p.to}`),
  );
  if (lines.length === 1) lines.push('no package changes');
  return `${lines.join('\n')}\n`;
}
