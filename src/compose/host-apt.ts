/**
 * The Debian archive the host's apt uses, for composes that add sources to it (mmdebstrap only
 * falls back to its own default when given no mirror at all). Read, never hard-coded.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDebLine } from '../core/debian.ts';

export function hostArchiveUri(root = '/etc/apt'): string | undefined {
  const texts: string[] = [];
  if (existsSync(join(root, 'sources.list')))
    texts.push(readFileSync(join(root, 'sources.list'), 'utf8'));
  const dir = join(root, 'sources.list.d');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources'))
        texts.push(readFileSync(join(dir, f), 'utf8'));
    }
  }
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const deb822 = line.match(/^URIs:\s*(\S+)/);
      const uri = parseDebLine(line)?.uri ?? deb822?.[1];
      if (uri && /\/debian\/?$/.test(uri)) return uri;
    }
  }
  return undefined;
}
