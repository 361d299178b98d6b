/**
 * The Debian archive the host's apt uses, for composes that add sources to it (mmdebstrap only
 * falls back to its own default when given no mirror at all). Read, never hard-coded: a host
 * behind a local mirror or proxy composes from it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDebLine } from '../core/debian.ts';

/** The host's Debian archive and, when it names one, its security archive. */
export interface HostArchive {
  uri: string;
  security?: string;
}

/**
 * The first `…/debian` and `…/debian-security` URIs of the host's sources (one-line and deb822
 * files, `root` standing for /etc/apt); undefined when it names no Debian archive.
 */
export function hostArchive(root = '/etc/apt'): HostArchive | undefined {
  const uris = sourceUris(root);
  const uri = uris.find((u) => /\/debian\/?$/.test(u));
  if (!uri) return undefined;
  const security = uris.find((u) => /\/debian-security\/?$/.test(u));
  return security ? { uri, security } : { uri };
}

/** Every URI of `root`'s sources.list and sources.list.d, in apt's reading order. */
function sourceUris(root: string): string[] {
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
  return texts.flatMap((text) =>
    text.split('\n').flatMap((line) => {
      const deb822 = line
        .match(/^URIs:\s*(.+)$/)?.[1]
        ?.split(/\s+/)
        .filter(Boolean);
      const uri = parseDebLine(line)?.uri;
      return uri ? [uri] : (deb822 ?? []);
    }),
  );
}
