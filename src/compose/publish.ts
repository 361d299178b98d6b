/**
 * Publish a ref into an archive-mode repo that can be served as static files over HTTP (what
 * `ostree admin upgrade` on a booted system pulls from): composes happen in a bare repo
 * (fast to commit and check out), the archive repo is what the world sees. The summary is
 * regenerated after each publish, as clients with a summary need it.
 */
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { ensureRepo } from '../ostree/repo.ts';

export async function publishRef(
  sc: StepContext,
  from: string,
  to: string,
  ref: string,
): Promise<void> {
  await ensureRepo(sc, to, 'archive');
  await run(sc, ['ostree', `--repo=${to}`, 'pull-local', from, ref]);
  await run(sc, ['ostree', `--repo=${to}`, 'summary', '--update']);
}
