/**
 * Kernel arguments shipped in the image: bootc's `/usr/lib/bootc/kargs.d/*.toml`, each with
 * `kargs = [...]` and an optional `match-architectures = [...]` (Rust arch names). Files apply
 * in name order. They end up on the `options` line of every BLS entry, so an argument with a
 * line break or another control character is refused, not written.
 */
import { parse as parseToml } from 'smol-toml';
import { UsageError } from '../core/errors.ts';
import type { Tree } from '../core/tree.ts';
import { hasControl } from '../core/values.ts';

export const KARGS_DIR = 'usr/lib/bootc/kargs.d';

/**
 * The kernel arguments of one kargs.d file for `arch`. Throws UsageError (naming `file`) for
 * TOML that does not parse, a `kargs` that is not an array of strings, or an argument with
 * control characters.
 */
export function parseKargsToml(text: string, arch = 'x86_64', file = 'kargs.d'): string[] {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`${file}: not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
  const arches = doc['match-architectures'];
  if (arches !== undefined && !isStringArray(arches))
    throw new UsageError(`${file}: match-architectures must be an array of strings`);
  if (arches && !arches.includes(arch)) return [];
  const kargs = doc.kargs ?? [];
  if (!isStringArray(kargs)) throw new UsageError(`${file}: kargs must be an array of strings`);
  const bad = kargs.find((k) => k === '' || hasControl(k));
  if (bad !== undefined)
    throw new UsageError(
      `${file}: kernel argument ${JSON.stringify(bad)} is empty or has line breaks or control characters`,
    );
  return kargs;
}

/** Every kargs.d file of an unpacked image, in name order (paths resolved inside the tree). */
export function readImageKargs(tree: Tree, arch = 'x86_64'): string[] {
  return tree
    .readdir(KARGS_DIR)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .flatMap((f) => parseKargsToml(tree.readText(`${KARGS_DIR}/${f}`), arch, `/${KARGS_DIR}/${f}`));
}

export function kargsToml(kargs: readonly string[]): string {
  // JSON string escapes are valid TOML basic-string escapes for what kargs may contain.
  return `kargs = [${kargs.map((k) => JSON.stringify(k)).join(', ')}]\nmatch-architectures = ["x86_64"]\n`;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
