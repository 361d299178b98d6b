/** Container image references the tool reads and writes: `oci:DIR[:TAG]`, `oci-archive:FILE`. */
import { resolve } from 'node:path';
import { UsageError } from './errors.ts';

export type ImageRef =
  | { transport: 'oci'; path: string; tag: string }
  | { transport: 'oci-archive'; path: string; tag?: string }
  /** A registry reference HOST[:PORT]/REPO[:TAG|@DIGEST], moved with skopeo. */
  | { transport: 'docker'; path: string }
  /** Not a container image: an OSTree repo and ref (`build --repo DIR --ref REF`). */
  | { transport: 'ostree'; path: string; ref: string };

export function parseImageRef(s: string): ImageRef {
  const colon = s.indexOf(':');
  const transport = colon > 0 ? s.slice(0, colon) : '';
  const rest = s.slice(colon + 1);
  if (transport === 'oci-archive' && rest) return { transport, path: rest };
  if (transport === 'docker' && rest.startsWith('//') && rest.length > 2)
    return { transport, path: rest.slice(2) };
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
  if (r.transport === 'oci') return `oci:${r.path}:${r.tag}`;
  if (r.transport === 'ostree') return `ostree:${r.path}#${r.ref}`;
  return r.transport === 'docker' ? `docker://${r.path}` : `oci-archive:${r.path}`;
}

/** skopeo flags for a registry: plain HTTP is allowed only for registries on this machine. */
export function registryTlsFlag(r: ImageRef, side: 'src' | 'dest'): string[] {
  if (r.transport !== 'docker') return [];
  const host = r.path.split('/')[0] ?? '';
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host)
    ? [`--${side}-tls-verify=false`]
    : [];
}

/** Make a local reference's path absolute (registry references are left as they are). */
export function absoluteImageRef(r: ImageRef): ImageRef {
  return r.transport === 'docker' ? r : { ...r, path: resolve(r.path) };
}
