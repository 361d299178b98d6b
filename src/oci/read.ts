/**
 * Read a bootc-style OCI image (oci-archive:FILE or oci:DIR[:TAG]) and unpack its layers into
 * a root filesystem, the way `bootc install` imports a non-encapsulated image: layers applied in
 * order (with whiteouts), ownership, modes, hard links and xattrs kept.
 *
 * An image is hostile input. Digests must have the OCI form (so a blob path cannot climb out
 * of blobs/) and every blob read is checked against its digest and size. GNU tar runs in a
 * sandbox (core/sandbox.ts) where only the target directory is writable: a layer that plants
 * `etc -> /etc` and then writes `etc/passwd` meets a read-only host, and device nodes cannot
 * be made. Whiteouts are applied with paths resolved inside the tree (core/tree.ts).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { StepContext } from '../core/context.ts';
import { InputError, UsageError } from '../core/errors.ts';
import { type ImageRef, registryTlsFlag } from '../core/image-ref.ts';
import { run } from '../core/run.ts';
import { hostReadOnlyArgv } from '../core/sandbox.ts';
import { Tree } from '../core/tree.ts';
import { blobFile, type Descriptor } from './descriptor.ts';

export interface OciImage {
  layout: string;
  manifestDigest: string;
  labels: Record<string, string>;
  layers: { digest: string; mediaType: string; size: number }[];
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
    await run(
      sc,
      hostReadOnlyArgv(
        [layout],
        ['tar', '--extract', `--file=${ref.path}`, `--directory=${layout}`, '--no-same-owner'],
      ),
    );
  }
  const index = readJson<{ manifests?: Descriptor[] }>(join(layout, 'index.json'), ref.path);
  const manifests = index.manifests ?? [];
  const wanted = ref.transport === 'oci' ? ref.tag : undefined;
  // A name matches as a whole (NAME:TAG) or by its tag; one image may carry several names.
  const named = (m: Descriptor) => {
    const name = m.annotations?.['org.opencontainers.image.ref.name'] ?? '';
    return name === wanted || name.endsWith(`:${wanted}`);
  };
  const candidates = wanted ? manifests.filter(named) : manifests;
  const digests = new Set(candidates.map((m) => m.digest));
  const chosen = digests.size === 1 ? candidates[0] : undefined;
  if (!chosen) {
    throw new UsageError(
      `${ref.path}: ${wanted ? `no single image tagged "${wanted}"` : `expected one image, found ${digests.size}`}`,
    );
  }
  const manifest = readJson<{ config: Descriptor; layers: Descriptor[] }>(
    verifiedBlob(layout, chosen, ref.path),
    ref.path,
  );
  if (!manifest.config || !Array.isArray(manifest.layers))
    throw badDocument(ref.path, chosen.digest, 'not an image manifest (no config or layers)');
  const config = readJson<{ config?: { Labels?: Record<string, string> } }>(
    verifiedBlob(layout, manifest.config, ref.path),
    ref.path,
  );
  for (const l of manifest.layers) blob(layout, l, ref.path); // digests checked before any use
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
    const file = verifiedBlob(image.layout, layer, image.layout);
    const decompress = layer.mediaType.endsWith('+zstd')
      ? '--zstd'
      : layer.mediaType.endsWith('+gzip')
        ? '--use-compress-program=pigz'
        : '';
    const r = await run(
      sc,
      hostReadOnlyArgv(
        [rootfs],
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
      ),
      { quietStdout: true },
    );
    applyWhiteouts(r.stdout.split('\n'), rootfs);
  }
}

/** Apply the whiteout markers among `entries` (one layer's members) and delete the markers. */
export function applyWhiteouts(entries: readonly string[], rootfs: string): void {
  const tree = new Tree(rootfs);
  const names = entries.map((e) => e.replace(/^\.\//, '').replace(/\/$/, '')).filter(Boolean);
  const inLayer = new Set(names);
  for (const entry of names) {
    const base = entry.split('/').pop() ?? '';
    if (!base.startsWith('.wh.')) continue;
    const dir = entry.includes('/') ? dirname(entry) : '';
    if (base === '.wh..wh..opq') {
      // Opaque directory: nothing from the lower layers stays, this layer's own entries do.
      for (const child of tree.readdir(dir)) {
        const path = dir ? `${dir}/${child}` : child;
        if (!inLayer.has(path)) tree.remove(path);
      }
    } else {
      tree.remove(`${dir}/${base.slice('.wh.'.length)}`);
    }
    tree.remove(entry);
  }
}

/** The path of a blob named by a descriptor; its digest must be well-formed. */
function blob(layout: string, d: Descriptor, image: string): string {
  const file = blobFile(layout, d.digest);
  if (!file) throw badDocument(image, String(d.digest), 'not a sha256/sha512 digest');
  return file;
}

/** A blob's path after checking that it exists, has the descriptor's size and digest. */
function verifiedBlob(layout: string, d: Descriptor, image: string): string {
  const file = blob(layout, d, image);
  const st = existsSync(file) ? statSync(file) : undefined;
  if (!st?.isFile()) throw new UsageError(`${image}: blob missing: ${d.digest}`);
  if (typeof d.size === 'number' && st.size !== d.size)
    throw badDocument(image, d.digest, `blob has ${st.size} bytes, the descriptor says ${d.size}`);
  const [alg, hex] = d.digest.split(':') as [string, string];
  if (fileDigest(file, alg) !== hex)
    throw badDocument(image, d.digest, 'blob content does not match its digest');
  return file;
}

/**
 * The hex digest of a file, read in 1 MiB chunks with synchronous reads: a read stream here once
 * hung a build for 16 minutes (its read request pending, every libuv pool thread idle), and the
 * hash is CPU-bound anyway. `alg` is a node:crypto name (sha256, sha512).
 */
export function fileDigest(file: string, alg: string): string {
  const h = createHash(alg);
  const buf = Buffer.allocUnsafe(2 ** 20);
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

function badDocument(image: string, key: string, message: string): InputError {
  return new InputError([{ file: image, line: 1, col: 1, key, message }]);
}

/** The distribution spec's limit for manifests; index and config get the same here. */
const MAX_DOCUMENT_BYTES = 4 * 2 ** 20;

function readJson<T>(file: string, image: string): T {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size > MAX_DOCUMENT_BYTES)
    throw badDocument(
      image,
      file.slice(file.lastIndexOf('/') + 1),
      `${size} bytes: larger than 4 MiB`,
    );
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
