/**
 * The OCI image-spec pieces both directions share: media types, the descriptor, and where a
 * blob lives in an image layout (`blobs/<algorithm>/<encoded>`).
 */
import { join } from 'node:path';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  /** Bytes of the blob. */
  size: number;
  annotations?: Record<string, string>;
}

/** Registered digest algorithms (image-spec descriptor.md) and their encoded form. */
const DIGESTS: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/** `[algorithm, hex]` of a well-formed digest, or undefined: no "/", no "..", no other form. */
export function parseDigest(digest: unknown): [string, string] | undefined {
  const [alg, hex, ...rest] = String(digest).split(':');
  const re = alg ? DIGESTS[alg] : undefined;
  return re && hex && rest.length === 0 && re.test(hex) ? [alg as string, hex] : undefined;
}

/** The file of a blob in a layout; undefined when the digest is not well-formed. */
export function blobFile(layout: string, digest: unknown): string | undefined {
  const d = parseDigest(digest);
  return d ? join(layout, 'blobs', d[0], d[1]) : undefined;
}
