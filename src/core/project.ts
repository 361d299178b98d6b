/**
 * Files that ship beside the code (package.json, recipes/, client/), found from wherever the
 * code runs: src/ through tsx or the dist/ bundle, whose chunks sit at another depth.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The checkout or installed package root: the nearest directory above this module whose
 * package.json is named particle-os. Throws if there is none (a broken installation).
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'particle-os') {
      root = dir;
      return dir;
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
  return JSON.parse(readFileSync(projectPath('package.json'), 'utf8')).version;
}
