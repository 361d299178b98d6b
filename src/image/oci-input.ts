/**
 * Read a bootc-style OCI image (oci-archive:FILE or oci:DIR[:TAG]) and unpack its layers into
 * a root filesystem, the way `bootc install` imports a non-encapsulated image: layers applied in
 * order (with whiteouts), ownership, modes, hard links and xattrs kept.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
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

/** Apply all layers, in order, into `rootfs`. */
export async function unpackLayers(
  sc: StepContext,
  image: OciImage,
  rootfs: string,
): Promise<void> {
  mkdirSync(rootfs, { recursive: true });
  for (const [i, layer] of image.layers.entries()) {
    const file = blob(image.layout, layer.digest);
    if (!existsSync(file)) throw new UsageError(`layer blob missing: ${layer.digest}`);
    const decompress = layer.mediaType.endsWith('+zstd')
      ? '--zstd'
      : layer.mediaType.endsWith('+gzip')
        ? '--use-compress-program=pigz'
        : '';
    if (i > 0) await applyWhiteouts(sc, file, decompress, rootfs);
    await run(sc, [
      'tar',
      '--extract',
      `--file=${file}`,
      `--directory=${rootfs}`,
      ...(decompress ? [decompress] : []),
      '--numeric-owner',
      '--same-owner',
      '--same-permissions',
      '--xattrs',
      '--xattrs-include=*',
      '--exclude=.wh.*',
      '--exclude=*/.wh.*',
    ]);
  }
}

/** Whiteouts of an upper layer delete paths of the lower ones before it is extracted. */
async function applyWhiteouts(
  sc: StepContext,
  file: string,
  decompress: string,
  rootfs: string,
): Promise<void> {
  const list = await run(sc, [
    'tar',
    '--list',
    `--file=${file}`,
    ...(decompress ? [decompress] : []),
  ]);
  for (const raw of list.stdout.split('\n')) {
    const entry = raw.replace(/^\.\//, '');
    const base = entry.split('/').pop() ?? '';
    if (!base.startsWith('.wh.')) continue;
    const dir = dirname(entry);
    if (base === '.wh..wh..opq') {
      const target = join(rootfs, dir);
      if (existsSync(target))
        await run(sc, [
          'find',
          target,
          '-mindepth',
          '1',
          '-maxdepth',
          '1',
          '-exec',
          'rm',
          '-rf',
          '{}',
          '+',
        ]);
    } else {
      rmSync(join(rootfs, dir, base.slice('.wh.'.length)), { recursive: true, force: true });
    }
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
