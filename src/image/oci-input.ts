/**
 * Read a bootc-style OCI image (oci-archive:FILE or oci:DIR[:TAG]) and unpack its layers into
 * a root filesystem, the way `bootc install` imports a non-encapsulated image: layers applied in
 * order (with whiteouts), ownership, modes, hard links and xattrs kept.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { InputError, UsageError } from '../core/errors.ts';
import { type ImageRef, registryTlsFlag } from '../core/image-ref.ts';
import { run } from '../core/run.ts';

export interface OciImage {
  layout: string;
  manifestDigest: string;
  labels: Record<string, string>;
  layers: { digest: string; mediaType: string; size: number }[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** Make the image available as an OCI layout directory and read its manifest and config. */
export async function openImage(sc: StepContext, input: ImageRef, work: string): Promise<OciImage> {
  let ref = input;
  if (ref.transport === 'ostree') throw new Error('openImage: an OSTree source is not an image');
  let layout = ref.path;
  if (ref.transport === 'docker') {
    // Pull into a local layout first; everything below reads layouts.
    layout = join(work, 'layout');
    await run(sc, [
      'skopeo',
      'copy',
      ...registryTlsFlag(ref, 'src'),
      `docker://${ref.path}`,
      `oci:${layout}:pulled`,
    ]);
    ref = { transport: 'oci', path: layout, tag: 'pulled' };
  }
  if (!existsSync(ref.path)) throw new UsageError(`image not found: ${ref.path}`);
  if (ref.transport === 'oci-archive') {
    layout = join(work, 'layout');
    mkdirSync(layout, { recursive: true });
    await run(sc, [
      'tar',
      '--extract',
      `--file=${ref.path}`,
      `--directory=${layout}`,
      '--no-same-owner',
    ]);
  }
  const index = readJson<{ manifests?: Descriptor[] }>(join(layout, 'index.json'), ref.path);
  const manifests = index.manifests ?? [];
  const wanted = ref.transport === 'oci' ? ref.tag : undefined;
  const chosen = wanted
    ? manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === wanted)
    : manifests.length === 1
      ? manifests[0]
      : undefined;
  if (!chosen) {
    throw new UsageError(
      `${ref.path}: ${wanted ? `no image tagged "${wanted}"` : `expected one image, found ${manifests.length}`}`,
    );
  }
  const manifest = readJson<{ config: Descriptor; layers: Descriptor[] }>(
    blob(layout, chosen.digest),
    ref.path,
  );
  const config = readJson<{ config?: { Labels?: Record<string, string> } }>(
    blob(layout, manifest.config.digest),
    ref.path,
  );
  const labels = config.config?.Labels ?? {};
  if (labels['containers.bootc'] !== '1') {
    throw new UsageError(`${ref.path}: not a bootc image (label containers.bootc=1 missing)`);
  }
  return {
    layout,
    manifestDigest: chosen.digest,
    labels,
    layers: manifest.layers.map((l) => ({
      digest: l.digest,
      mediaType: l.mediaType ?? '',
      size: l.size,
    })),
  };
}

/**
 * Apply all layers, in order, into `rootfs`: one tar pass per layer that also lists what it
 * extracted; whiteout markers (`.wh.NAME`, `.wh..wh..opq`) extracted with the layer are then
 * applied to what the lower layers left and removed. Per the OCI spec a layer never holds a
 * path it whites out, so applying them after the extraction gives the same tree.
 */
export async function unpackLayers(
  sc: StepContext,
  image: OciImage,
  rootfs: string,
): Promise<void> {
  mkdirSync(rootfs, { recursive: true });
  for (const layer of image.layers) {
    const file = blob(image.layout, layer.digest);
    if (!existsSync(file)) throw new UsageError(`layer blob missing: ${layer.digest}`);
    const decompress = layer.mediaType.endsWith('+zstd')
      ? '--zstd'
      : layer.mediaType.endsWith('+gzip')
        ? '--use-compress-program=pigz'
        : '';
    const r = await run(
      sc,
      [
        'tar',
        '--extract',
        '--verbose',
        `--file=${file}`,
        `--directory=${rootfs}`,
        ...(decompress ? [decompress] : []),
        '--numeric-owner',
        '--same-owner',
        '--same-permissions',
        '--xattrs',
        '--xattrs-include=*',
      ],
      { quietStdout: true },
    );
    applyWhiteouts(r.stdout.split('\n'), rootfs);
  }
}

/** Apply the whiteout markers among `entries` (one layer's members) and delete the markers. */
export function applyWhiteouts(entries: readonly string[], rootfs: string): void {
  const names = entries.map((e) => e.replace(/^\.\//, '').replace(/\/$/, '')).filter(Boolean);
  const inLayer = new Set(names);
  for (const entry of names) {
    const base = entry.split('/').pop() ?? '';
    if (!base.startsWith('.wh.')) continue;
    const dir = entry.includes('/') ? dirname(entry) : '';
    if (base === '.wh..wh..opq') {
      // Opaque directory: nothing from the lower layers stays, this layer's own entries do.
      const target = join(rootfs, dir);
      for (const child of existsSync(target) ? readdirSync(target) : []) {
        if (!inLayer.has(dir ? `${dir}/${child}` : child))
          rmSync(join(target, child), { recursive: true, force: true });
      }
    } else {
      rmSync(join(rootfs, dir, base.slice('.wh.'.length)), { recursive: true, force: true });
    }
    rmSync(join(rootfs, entry), { force: true });
  }
}

function blob(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(layout, 'blobs', alg ?? '', hex ?? '');
}

function readJson<T>(file: string, image: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    throw new InputError([
      {
        file: image,
        line: 1,
        col: 1,
        key: file.slice(file.lastIndexOf('/') + 1),
        message: `unreadable OCI document: ${(e as Error).message}`,
      },
    ]);
  }
}
