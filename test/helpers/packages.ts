/** Locked packages for compose tests (input hash, lockfiles, the tree cache, incremental). */
import type { LockedPackage } from '../../src/compose/lockfile.ts';

/** An amd64 package; `sha` defaults to a fixed checksum. */
export const pkg = (name: string, version: string, sha = 'a'.repeat(64)): LockedPackage => ({
  name,
  version,
  architecture: 'amd64',
  sha256: sha,
  size: 1,
});

/** A package of any architecture, with another fixed checksum. */
export const locked = (name: string, version: string, architecture = 'amd64'): LockedPackage => ({
  name,
  version,
  architecture,
  sha256: 'b'.repeat(64),
  size: 1,
});
