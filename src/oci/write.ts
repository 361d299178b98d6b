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

/** The layout's index: the manifest once per name (`org.opencontainers.image.ref.name`). */
export function imageIndex(manifest: Descriptor, names: string | readonly string[]): object {
  return {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: (typeof names === 'string' ? [names] : names).map((name) => ({
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      annotations: { 'org.opencontainers.image.ref.name': name },
    })),
  };
}

/** An OCI repository path (distribution spec): lowercase components joined by "/". */
const REPOSITORY =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * The name an archive carries (`org.opencontainers.image.ref.name`), `NAME:VERSION` (or
 * `NAME:latest` without a version): `podman load` names the image after it (under
 * localhost/), `skopeo … oci-archive:FILE:NAME:VERSION` finds it by it, and the client matches
 * it whole or by its tag. NAME is the image's title (the OSTree ref, e.g.
 * debian/13/x86_64/minimal) when that is a valid repository path. One name only: with two
 * entries (say NAME:latest too) `skopeo inspect oci-archive:FILE` refuses the archive ("more
 * than one image"), so `latest` is left to registries.
 */
export function archiveNames(title: string, version?: string): string[] {
  const name = REPOSITORY.test(title) ? title : 'particle-os/image';
  return [`${name}:${version ?? 'latest'}`];
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
export function finishLayout(
  layout: string,
  manifest: Descriptor,
  names: string | readonly string[],
): void {
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify(imageIndex(manifest, names)));
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
