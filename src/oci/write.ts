/**
 * OCI image layout documents (image-spec v1.1), written natively: the format is small and we
 * want byte-for-byte control for reproducible digests (sorted keys via fixed construction
 * order, no whitespace).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { blobFile, type Descriptor, MEDIA } from './descriptor.ts';

export interface LayerInfo extends Descriptor {
  /** sha256 of the uncompressed tar. */
  diffId: string;
}

export interface ImageConfigInput {
  created: string;
  labels: Record<string, string>;
  cmd?: string[];
  layers: LayerInfo[];
}

export function imageConfig(i: ImageConfigInput): object {
  return {
    created: i.created,
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: sortKeys(i.labels), ...(i.cmd ? { Cmd: i.cmd } : {}) },
    rootfs: { type: 'layers', diff_ids: i.layers.map((l) => l.diffId) },
    history: i.layers.map(() => ({
      created: i.created,
      created_by: 'particle-os container build',
    })),
  };
}

export function imageManifest(
  config: Descriptor,
  layers: LayerInfo[],
  annotations: Record<string, string>,
): object {
  return {
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      ...(l.annotations ? { annotations: l.annotations } : {}),
    })),
    annotations: sortKeys(annotations),
  };
}

export function imageIndex(manifest: Descriptor, tag: string): object {
  return {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [
      {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.size,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Write a JSON document as a blob of the layout; returns its descriptor. */
export function writeJsonBlob(layout: string, mediaType: string, doc: object): Descriptor {
  const bytes = Buffer.from(JSON.stringify(doc));
  const digest = sha256(bytes);
  writeFileSync(blobPath(layout, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** Where a blob we write goes (its algorithm directory created). */
export function blobPath(layout: string, digest: string): string {
  const file = blobFile(layout, digest);
  if (!file) throw new Error(`not a digest: ${digest}`);
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

/** Create the fixed files of an image layout and point index.json at the manifest. */
export function finishLayout(layout: string, manifest: Descriptor, tag: string): void {
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify(imageIndex(manifest, tag)));
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
