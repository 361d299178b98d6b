/**
 * Lockfiles: the exact package versions (and archive checksums) of a compose, written with
 * `--write-lockfile` and installed exactly with `--lockfile`. JSON, one schema.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import type { ResolvedTreefile } from '../treefile/load.ts';

/**
 * A lockfile can come with a pull request: its values become apt arguments, mmdebstrap's
 * comma-separated --include and .deb file names in the cache, so each must have Debian's own
 * form (deb-version(7), policy 5.6.1) and nothing more: no "/", "," or whitespace.
 */
export const LockedPackageSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/),
  version: z.string().regex(/^([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~-]*$/, 'not a Debian version'),
  architecture: z.string().regex(/^[a-z0-9-]+$/, 'not a Debian architecture'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
});
export type LockedPackage = z.infer<typeof LockedPackageSchema>;

export const LockfileSchema = z.strictObject({
  lockfileVersion: z.literal(1),
  ref: z.string(),
  suite: z.string(),
  packages: z.array(LockedPackageSchema).min(1),
});
export type Lockfile = z.infer<typeof LockfileSchema>;

export function readLockfile(path: string): Lockfile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read lockfile ${path}: ${(e as Error).message}`);
  }
  const r = LockfileSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new UsageError(
      `${path}: not a particle-os lockfile: ${first?.path.join('.') || '(top)'}: ${first?.message}`,
    );
  }
  return r.data;
}

/** apt's `name=version`: install exactly the locked version. */
export function pinnedSpec(p: Pick<LockedPackage, 'name' | 'version'>): string {
  return `${p.name}=${p.version}`;
}

export function writeLockfile(
  path: string,
  tf: Pick<ResolvedTreefile, 'ref' | 'suite'>,
  packages: LockedPackage[],
): void {
  const lock: Lockfile = { lockfileVersion: 1, ref: tf.ref, suite: tf.suite, packages };
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(lock, null, 2)}\n`);
  renameSync(tmp, path);
}
