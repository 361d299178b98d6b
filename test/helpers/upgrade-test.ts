/** The slow tests' way to run `particle-os upgrade-test` on the minimal treefile. */
import { spawnSync } from 'node:child_process';
import type { UpgradeTestResult } from '../../src/workflows/upgrade-test.ts';
import { outputDir } from './scratch.ts';

/**
 * `particle-os upgrade-test treefiles/debian-minimal.yaml ARGS --output DIR --json` (DIR from
 * outputDir(prefix)): its exit status, its JSON result, and each failed check of the regular
 * boots as `phase: name detail`.
 */
export function upgradeTest(
  prefix: string,
  args: string[],
): { status: number | null; result: UpgradeTestResult; failedChecks: string[] } {
  const r = spawnSync(
    './bib/particle-os',
    [
      'upgrade-test',
      'treefiles/debian-minimal.yaml',
      ...args,
      '--output',
      outputDir(prefix),
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const result = JSON.parse(r.stdout) as UpgradeTestResult;
  const failedChecks = result.boots.flatMap((b) =>
    b.result.checks.filter((c) => !c.ok).map((c) => `${b.phase}: ${c.name} ${c.detail}`),
  );
  return { status: r.status, result, failedChecks };
}
