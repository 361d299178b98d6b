/**
 * Files that ship beside the code (package.json, recipes/, client/), found from wherever the
 * code runs: src/ through tsx or the dist/ bundle, whose chunks sit at another depth.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: { root: string; version: string } | undefined;

/**
 * The checkout or installed package root: the nearest directory above this module whose
 * package.json is named particle-os. Throws if there is none (a broken installation).
 */
export function projectRoot(): string {
  return project().root;
}

/** The root and its package.json's version, found and read once per process. */
function project(): { root: string; version: string } {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
      if (name === 'particle-os') {
        found = { root: dir, version };
        return found;
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('particle-os: no package.json above the running code');
    dir = up;
  }
}

/** A path below the project root, e.g. projectPath('recipes', 'minimal.yml'). */
export function projectPath(...parts: string[]): string {
  return join(projectRoot(), ...parts);
}

/** The version in package.json (what `--version` prints and the client package carries). */
export function projectVersion(): string {
  return project().version;
}
