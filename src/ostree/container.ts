/**
 * Container images in an OSTree repo the way ostree-rs-ext (bootc) keeps them, shared by `build`
 * (which installs a system that follows an image) and mirrored by the on-device client
 * (client/lib/import.sh, image-ref.sh): one commit per layer under
 * `ostree/container/blob/<escaped digest>`, the deployment's origin
 * `container-image-reference=ostree-unverified-registry:IMAGE`, and the deployed commit's
 * metadata naming the manifest digest and layers, so that the first upgrade on the device
 * fetches only the layers that changed.
 */
import type { StepContext } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { run } from '../core/run.ts';

/** Where an installed system gets its updates from (bootc's transports). */
export interface TargetImage {
  transport: 'registry' | 'oci' | 'oci-archive';
  /** registry: HOST[:PORT]/PATH[:TAG|@DIGEST]; oci, oci-archive: an absolute path[:TAG]. */
  name: string;
}

/** Commit metadata keys of an image's commit. */
export const CONTAINER_META = {
  manifestDigest: 'ostree.manifest-digest',
  /** particle-os: the layer digests, comma-separated (which blob refs a deployment needs). */
  layerDigests: 'particle-os.layer-digests',
} as const;

/** Tar paths under /etc go to /usr/etc (GRegex replacement for `--tar-pathname-filter`). */
export const ETC_PATH_FILTER = '^(\\./)?etc(/|$),usr/etc\\2';

const REGISTRY_NAME =
  /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?\/[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})?$/;

/**
 * `--target-imgref` / recipe `update.image`: `registry:NAME`, `docker://NAME`, `oci:/PATH[:TAG]`,
 * `oci-archive:/PATH` or a bare registry NAME (bootc-image-builder's form). The host of a
 * registry name has a '.' or a port or is localhost; a path is absolute. Errors: UsageError
 * naming the value (it is written into the installed system's origin file).
 */
export function parseTargetImage(s: string): TargetImage {
  const bad = (why: string) => new UsageError(`target image "${s}": ${why}`);
  if (/[\s\p{Cc}=]/u.test(s)) throw bad('no whitespace, control characters or "="');
  const m = s.match(/^(registry:|docker:\/\/|oci-archive:|oci:)?(.*)$/) as RegExpMatchArray;
  const prefix = m[1] ?? '';
  const name = m[2] as string;
  if (prefix === 'oci:' || prefix === 'oci-archive:') {
    if (!name.startsWith('/') || name.includes('/../') || name.endsWith('/..'))
      throw bad('an OCI layout or archive is named by an absolute path');
    return { transport: prefix === 'oci:' ? 'oci' : 'oci-archive', name };
  }
  const host = name.split('/')[0] ?? '';
  if (!REGISTRY_NAME.test(name) || name.includes('..'))
    throw bad('not a registry image HOST[:PORT]/PATH[:TAG]');
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost')
    throw bad('give the registry host (a name with a "." or a port, or localhost)');
  return { transport: 'registry', name };
}

/** The origin's `container-image-reference` value (ostree-rs-ext's unverified forms). */
export function originReference(t: TargetImage): string {
  return t.transport === 'registry'
    ? `ostree-unverified-registry:${t.name}`
    : `ostree-unverified-image:${t.transport}:${t.name}`;
}

/** The deployment origin file for a system that follows `t`. */
export function originFile(t: TargetImage): string {
  return `[origin]\ncontainer-image-reference=${originReference(t)}\n`;
}

/** OSTree ref escaping of ostree-rs-ext: every byte outside [A-Za-z0-9] becomes `_XX_`. */
export function escapeRef(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `_${b.toString(16).toUpperCase().padStart(2, '0')}_`,
    )
    .join('');
}

/** The ref of one layer's commit. */
export function blobRef(digest: string): string {
  return `ostree/container/blob/${escapeRef(digest)}`;
}

/**
 * Commit each layer blob (a verified, possibly compressed tar file) into `repo` under its blob
 * ref, /etc mapped to /usr/etc; OSTree reads the tar into objects, nothing of it touches the
 * host file system. Layers already there are skipped.
 */
export async function importLayerBlobs(
  sc: StepContext,
  repo: string,
  layers: readonly { digest: string; file: string }[],
): Promise<void> {
  // One listing of the blob refs there are, not one lookup per layer.
  const listed = await run(sc, ['ostree', `--repo=${repo}`, 'refs', 'ostree/container/blob']);
  const have = new Set(listed.stdout.split('\n').map((r) => `ostree/container/blob/${r.trim()}`));
  for (const l of layers) {
    const ref = blobRef(l.digest);
    if (have.has(ref)) continue;
    await run(sc, [
      'ostree',
      `--repo=${repo}`,
      'commit',
      `--branch=${ref}`,
      `--tree=tar=${l.file}`,
      '--tar-autocreate-parents',
      `--tar-pathname-filter=${ETC_PATH_FILTER}`,
      '--no-bindings',
      `--subject=layer ${l.digest}`,
    ]);
  }
}
