/**
 * The steps of `container build`, in order: checkOut (the commit and what compose recorded in
 * it), writeLayers (tar layers by package, chunking.ts), writeImage (config, manifest, the OCI
 * layout and where it goes). index.ts strings them together.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import { formatImageRef, type ImageRef, registryTlsFlag } from '../core/image-ref.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { publish } from '../core/workdir.ts';
import { MEDIA } from '../oci/descriptor.ts';
import type { LayerInfo } from '../oci/write.ts';
import {
  archiveNames,
  finishLayout,
  imageConfig,
  imageManifest,
  writeJsonBlob,
} from '../oci/write.ts';
import { commitMetadata, commitTimestamp, resolveRef } from '../ostree/repo.ts';
import { COMPONENTS_ANNOTATION, planChunks } from './chunking.ts';
import { type Compression, writeLayer } from './layer.ts';

/** The checked-out commit and what compose recorded in it. */
export interface CheckedOut {
  commit: string;
  version?: string;
  /** ostree.linux: the kernel version. */
  linux?: string;
  /** The image's CMD. */
  cmd: string[];
  /** particle-os.source: the treefile's git remote. */
  source?: string;
  /** The commit's timestamp, ISO 8601: org.opencontainers.image.created. */
  created: string;
}

/**
 * `ostree checkout` of `ref` into `tree` (which must not exist), /usr/etc moved back to /etc:
 * bootc images keep /etc at /etc (the move is resolved inside the checkout: a repo from
 * elsewhere may carry any link).
 */
export function checkOut(
  ctx: Context,
  repo: string,
  ref: string,
  tree: string,
): Promise<CheckedOut> {
  return step(ctx, `check out ${ref}`, async (sc) => {
    const commit = await resolveRef(sc, repo, ref);
    if (!commit) throw new UsageError(`ref ${ref} not found in ${repo}`);
    const version = await commitMetadata(sc, repo, commit, 'version');
    const linux = await commitMetadata(sc, repo, commit, 'ostree.linux');
    const timestamp = await commitTimestamp(sc, repo, commit);
    // The treefile's container-cmd, recorded by compose; bootc images default to /sbin/init.
    const cmdJson = await commitMetadata(sc, repo, commit, 'particle-os.container-cmd');
    const cmd = cmdJson ? (JSON.parse(cmdJson) as string[]) : ['/sbin/init'];
    const source = await commitMetadata(sc, repo, commit, 'particle-os.source');
    await run(sc, ['ostree', 'checkout', `--repo=${repo}`, commit, tree]);
    new Tree(tree).rename('usr/etc', 'etc');
    return {
      commit,
      version,
      linux,
      cmd,
      source,
      created: new Date(timestamp * 1000).toISOString(),
    };
  });
}

export interface NamedLayer extends LayerInfo {
  /** The chunk's name ("rootfs" for a single layer). */
  name: string;
  /** The packages whose files the layer holds. */
  components: string[];
}

/**
 * The tree as layers in `work/layout`: one per chunk of packages (at most `maxLayers`), or a
 * single layer holding everything when `maxLayers` is 1.
 */
export function writeLayers(
  ctx: Context,
  tree: string,
  work: string,
  o: { maxLayers: number; compression: Compression },
): Promise<NamedLayer[]> {
  const layout = join(work, 'layout');
  return step(
    ctx,
    `write ${o.maxLayers > 1 ? `up to ${o.maxLayers} layers by package` : 'one layer'} (tar + ${o.compression})`,
    async (sc) => {
      if (o.maxLayers <= 1) {
        const l = await writeLayer(sc, tree, layout, { compression: o.compression });
        return [{ ...l, name: 'rootfs', components: [] }];
      }
      const out: NamedLayer[] = [];
      for (const chunk of planChunks(tree, o.maxLayers)) {
        const l = await writeLayer(sc, tree, layout, {
          compression: o.compression,
          entries: chunk.entries,
          work,
          annotations: { [COMPONENTS_ANNOTATION]: chunk.components.join(',') || chunk.name },
        });
        out.push({ ...l, name: chunk.name, components: chunk.components });
      }
      return out;
    },
  );
}

export interface ContainerBuildResult {
  image: string;
  manifestDigest: string;
  commit: string;
  version?: string;
  layers: { digest: string; size: number; name: string; components: number }[];
}

/**
 * The image config (bootc labels, CMD), the manifest and the layout's index in `work/layout`,
 * then the layout put where `output` says: an OCI directory (replaced whole), an oci-archive
 * (a reproducible tar) or a registry (skopeo copy).
 */
export function writeImage(
  ctx: Context,
  work: string,
  i: {
    commit: CheckedOut;
    layers: NamedLayer[];
    ref: string;
    output: ImageRef;
    /** org.opencontainers.image.source (default: what compose recorded). */
    source?: string;
  },
): Promise<ContainerBuildResult> {
  const layout = join(work, 'layout');
  const { commit: meta, layers, output } = i;
  const source = i.source ?? meta.source;
  return step(ctx, `write ${formatImageRef(output)}`, async (sc) => {
    const labels: Record<string, string> = {
      'containers.bootc': '1',
      'ostree.bootable': '1',
      'ostree.commit': meta.commit,
      'org.opencontainers.image.created': meta.created,
      'org.opencontainers.image.title': i.ref,
      ...(meta.linux ? { 'ostree.linux': meta.linux } : {}),
      ...(meta.version ? { 'org.opencontainers.image.version': meta.version } : {}),
      ...(source ? { 'org.opencontainers.image.source': source } : {}),
    };
    const config = writeJsonBlob(
      layout,
      MEDIA.config,
      imageConfig({ created: meta.created, labels, cmd: meta.cmd, layers }),
    );
    const manifest = writeJsonBlob(layout, MEDIA.manifest, imageManifest(config, layers, labels));
    const tag = output.transport === 'oci' ? output.tag : (meta.version ?? 'latest');
    // An archive is named NAME:VERSION and NAME:latest (podman load, skopeo, the client agree);
    // a layout directory carries the tag asked for, a registry push goes through the tag.
    finishLayout(
      layout,
      manifest,
      output.transport === 'oci-archive' ? archiveNames(i.ref, meta.version) : tag,
    );
    if (output.transport === 'oci-archive') {
      const tmp = join(work, basename(output.path));
      await run(sc, [
        'tar',
        '--create',
        `--file=${tmp}`,
        `--directory=${layout}`,
        '--sort=name',
        '--mtime=@0',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        'oci-layout',
        'index.json',
        'blobs',
      ]);
      publish(tmp, output.path);
    } else if (output.transport === 'docker') {
      await run(sc, [
        'skopeo',
        'copy',
        ...registryTlsFlag(output, 'dest'),
        `oci:${layout}:${tag}`,
        `docker://${output.path}`,
      ]);
    } else {
      const old = `${output.path}.old-${process.pid}`;
      if (existsSync(output.path)) renameSync(output.path, old);
      publish(layout, output.path);
      rmSync(old, { recursive: true, force: true });
    }
    return {
      image: formatImageRef(output),
      manifestDigest: manifest.digest,
      commit: meta.commit,
      version: meta.version,
      layers: layers.map((l) => ({
        digest: l.digest,
        size: l.size,
        name: l.name,
        components: l.components.length,
      })),
    };
  });
}
