/** Container image references the tool reads and writes: `oci:DIR[:TAG]`, `oci-archive:FILE`. */
import { UsageError } from './errors.ts';

export type ImageRef =
  | { transport: 'oci'; path: string; tag: string }
  | { transport: 'oci-archive'; path: string; tag?: string };

export function parseImageRef(s: string): ImageRef {
  const colon = s.indexOf(':');
  const transport = colon > 0 ? s.slice(0, colon) : '';
  const rest = s.slice(colon + 1);
  if (transport === 'oci-archive' && rest) return { transport, path: rest };
  if (transport === 'oci' && rest) {
    // A tag is whatever follows the last ':' if it looks like a tag (no '/').
    const m = rest.match(/^(.*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/);
    return m
      ? { transport, path: m[1] as string, tag: m[2] as string }
      : { transport, path: rest, tag: 'latest' };
  }
  throw new UsageError(`unsupported image reference "${s}": use oci-archive:FILE or oci:DIR[:TAG]`);
}

export function formatImageRef(r: ImageRef): string {
  return r.transport === 'oci' ? `oci:${r.path}:${r.tag}` : `oci-archive:${r.path}`;
}
