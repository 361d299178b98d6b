/**
 * Scratch directories for tests, all below one directory per test process that is removed
 * when the process exits, so a test run leaves nothing in the system temp dir. Removal never
 * crosses into a mount a failed test may have left (rm --one-file-system).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;

/** A fresh directory named `<prefix>-XXXXXX`, gone when the test process exits. */
export function scratchDir(prefix: string): string {
  if (!root) {
    const dir = mkdtempSync(join(tmpdir(), 'particle-os-test-'));
    root = dir;
    process.on('exit', () => {
      spawnSync('rm', ['-rf', '--one-file-system', dir]);
    });
  }
  return mkdtempSync(join(root, `${prefix}-`));
}

/**
 * A directory for a test's build outputs (gigabytes: repos, images): kept under
 * $PARTICLE_OS_TEST_DIR when that is set, to inspect after the run, else a scratch directory
 * removed when the test process exits.
 */
export function outputDir(prefix: string): string {
  const keep = process.env.PARTICLE_OS_TEST_DIR;
  return keep ? mkdtempSync(join(keep, `${prefix}-`)) : scratchDir(prefix);
}
