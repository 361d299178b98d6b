/** Small wrappers over the `ostree` CLI shared by the compose, container and image stages. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';

export type RepoMode = 'bare' | 'bare-user' | 'archive';

export async function ensureRepo(sc: StepContext, repo: string, mode: RepoMode): Promise<void> {
  if (existsSync(join(repo, 'config'))) return;
  mkdirSync(repo, { recursive: true });
  await run(sc, ['ostree', 'init', `--repo=${repo}`, `--mode=${mode}`]);
}

/** The commit a ref points to, or undefined if the ref does not exist. */
export async function resolveRef(
  sc: StepContext,
  repo: string,
  ref: string,
): Promise<string | undefined> {
  const r = await run(sc, ['ostree', `--repo=${repo}`, 'rev-parse', ref], { okCodes: [0, 1] });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** A string metadata key of a commit, or undefined when absent. */
export async function commitMetadata(
  sc: StepContext,
  repo: string,
  rev: string,
  key: string,
): Promise<string | undefined> {
  const r = await run(
    sc,
    ['ostree', `--repo=${repo}`, 'show', `--print-metadata-key=${key}`, rev],
    {
      okCodes: [0, 1],
    },
  );
  if (r.code !== 0) return undefined;
  // GVariant text format: 'value' for strings.
  const m = r.stdout.trim().match(/^'(.*)'$/s);
  return m ? (m[1] as string) : r.stdout.trim();
}

/** Commit timestamp (seconds since the epoch). */
export async function commitTimestamp(sc: StepContext, repo: string, rev: string): Promise<number> {
  const r = await run(sc, ['ostree', `--repo=${repo}`, 'log', rev]);
  const m = r.stdout.match(/^Date:\s+(.+)$/m);
  return m
    ? Math.floor(Date.parse((m[1] as string).replace(' +0000', 'Z').replace(' ', 'T')) / 1000)
    : 0;
}

/** A literal OSTree ref: "/"-separated parts of letters, digits, "_", "-", "." (no leading dot). */
export function isValidRef(ref: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/.test(ref);
}
