/**
 * Kernel arguments shipped in the image: bootc's `/usr/lib/bootc/kargs.d/*.toml`, each with
 * `kargs = [...]` and an optional `match-architectures = [...]` (Rust arch names). Files apply
 * in name order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KARGS_DIR = 'usr/lib/bootc/kargs.d';

export function parseKargsToml(text: string, arch = 'x86_64'): string[] {
  const arches = stringArray(text, 'match-architectures');
  if (arches && !arches.includes(arch)) return [];
  return stringArray(text, 'kargs') ?? [];
}

export function readImageKargs(rootfs: string, arch = 'x86_64'): string[] {
  const dir = join(rootfs, KARGS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .flatMap((f) => parseKargsToml(readFileSync(join(dir, f), 'utf8'), arch));
}

/** A TOML array of basic strings assigned to `key` (the subset kargs.d files use). */
function stringArray(text: string, key: string): string[] | undefined {
  const m = text.match(
    new RegExp(`^\\s*${key.replace(/[-]/g, '\\-')}\\s*=\\s*\\[([^\\]]*)\\]`, 'm'),
  );
  if (!m) return undefined;
  return [...(m[1] as string).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) =>
    (x[1] as string).replace(/\\(.)/g, '$1'),
  );
}

export function kargsToml(kargs: readonly string[]): string {
  const items = kargs.map((k) => `"${k.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(', ');
  return `kargs = [${items}]\nmatch-architectures = ["x86_64"]\n`;
}
