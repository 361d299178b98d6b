/** Small wrappers over the `ostree` CLI shared by the compose, container and image stages. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { run } from '../core/run.ts';
import { parseGVariantString } from './gvariant-text.ts';

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
  // GVariant text format: a quoted string with escapes; other types as printed.
  return parseGVariantString(r.stdout) ?? r.stdout.trim();
}

/** Commit timestamp (seconds since the epoch). */
export async function commitTimestamp(sc: StepContext, repo: string, rev: string): Promise<number> {
  const r = await run(sc, ['ostree', `--repo=${repo}`, 'log', rev]);
  // `ostree log` has printed "Date:  YYYY-MM-DD HH:MM:SS +0000" since 2013; anything else is
  // an error here rather than a commit from 1970.
  const m = r.stdout.match(/^Date:\s+(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) \+0000$/m);
  const seconds = m ? Date.parse(`${m[1]}T${m[2]}Z`) / 1000 : Number.NaN;
  if (!Number.isFinite(seconds))
    throw new Error(
      `ostree log ${rev}: no "Date:" line in UTC in its output: ${r.stdout.slice(0, 300)}`,
    );
  return seconds;
}

/** A literal OSTree ref: "/"-separated parts of letters, digits, "_", "-", "." (no leading dot). */
export function isValidRef(ref: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/.test(ref);
}
