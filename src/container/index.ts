/**
 * `container build` (the seed's `bootc build --repo DIR REF`): an OSTree commit → a bootc-style
 * OCI image. The tree keeps /etc at /etc (bootc rejects /usr/etc), carries /sysroot and the
 * /ostree link, one kernel in /usr/lib/modules, and the labels bootc tooling looks for.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Context, step } from '../core/context.ts';
import { UsageError } from '../core/errors.ts';
import {
  absoluteImageRef,
  formatImageRef,
  type ImageRef,
  parseImageRef,
  registryTlsFlag,
} from '../core/image-ref.ts';
import { run } from '../core/run.ts';
import { Tree } from '../core/tree.ts';
import { makeWorkDir, publish } from '../core/workdir.ts';
import { MEDIA } from '../oci/descriptor.ts';
import { openImage, unpackLayers } from '../oci/read.ts';
import { finishLayout, imageConfig, imageManifest, writeJsonBlob } from '../oci/write.ts';
import { commitMetadata, commitTimestamp, resolveRef } from '../ostree/repo.ts';
import { COMPONENTS_ANNOTATION, MAX_LAYERS, planChunks } from './chunking.ts';
import { type Compression, writeLayer } from './layer.ts';
import { type LintFinding, lintTree } from './lint.ts';

export interface ContainerBuildOptions {
  repo: string;
  ref: string;
  output: ImageRef;
  workBase?: string;
  /** Layers by package ownership, at most this many (1: one layer with everything). */
  maxLayers?: number;
  compression?: Compression;
  /** org.opencontainers.image.source (default: what compose recorded, if anything). */
  source?: string;
}

export interface ContainerBuildResult {
  image: string;
  manifestDigest: string;
  commit: string;
  version?: string;
  layers: { digest: string; size: number; name: string; components: number }[];
}

export async function buildContainer(
  ctx: Context,
  o: ContainerBuildOptions,
): Promise<ContainerBuildResult> {
  if (!existsSync(join(o.repo, 'config'))) throw new UsageError(`no OSTree repo at ${o.repo}`);
  const work = makeWorkDir(ctx, 'particle-os-container', o.workBase);
  const tree = join(work, 'tree');
  const layout = join(work, 'layout');

  const meta = await step(ctx, `check out ${o.ref}`, async (sc) => {
    const commit = await resolveRef(sc, o.repo, o.ref);
    if (!commit) throw new UsageError(`ref ${o.ref} not found in ${o.repo}`);
    const version = await commitMetadata(sc, o.repo, commit, 'version');
    const linux = await commitMetadata(sc, o.repo, commit, 'ostree.linux');
    const timestamp = await commitTimestamp(sc, o.repo, commit);
    // The treefile's container-cmd, recorded by compose; bootc images default to /sbin/init.
    const cmdJson = await commitMetadata(sc, o.repo, commit, 'particle-os.container-cmd');
    const cmd = cmdJson ? (JSON.parse(cmdJson) as string[]) : ['/sbin/init'];
    const recordedSource = await commitMetadata(sc, o.repo, commit, 'particle-os.source');
    await run(sc, ['ostree', 'checkout', `--repo=${o.repo}`, commit, tree]);
    // bootc images keep /etc at /etc; the commit has it at /usr/etc (resolved inside the
    // checkout: a repo from elsewhere may carry any link).
    new Tree(tree).rename('usr/etc', 'etc');
    return {
      commit,
      version,
      linux,
      cmd,
      source: recordedSource,
      created: new Date(timestamp * 1000).toISOString(),
    };
  });

  const maxLayers = o.maxLayers ?? MAX_LAYERS;
  const compression = o.compression ?? 'gzip';
  const layers = await step(
    ctx,
    `write ${maxLayers > 1 ? `up to ${maxLayers} layers by package` : 'one layer'} (tar + ${compression})`,
    async (sc) => {
      if (maxLayers <= 1) {
        const l = await writeLayer(sc, tree, layout, { compression });
        return [{ ...l, name: 'rootfs', components: [] as string[] }];
      }
      const out = [];
      for (const chunk of planChunks(tree, maxLayers)) {
        const l = await writeLayer(sc, tree, layout, {
          compression,
          entries: chunk.entries,
          work,
          annotations: { [COMPONENTS_ANNOTATION]: chunk.components.join(',') || chunk.name },
        });
        out.push({ ...l, name: chunk.name, components: chunk.components });
      }
      return out;
    },
  );

  const source = o.source ?? meta.source;
  return step(ctx, `write ${formatImageRef(o.output)}`, async (sc) => {
    const labels: Record<string, string> = {
      'containers.bootc': '1',
      'ostree.bootable': '1',
      'ostree.commit': meta.commit,
      'org.opencontainers.image.created': meta.created,
      'org.opencontainers.image.title': o.ref,
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
    const tag = o.output.transport === 'oci' ? o.output.tag : (meta.version ?? 'latest');
    finishLayout(layout, manifest, tag);
    if (o.output.transport === 'oci-archive') {
      const tmp = join(work, basename(o.output.path));
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
      publish(tmp, o.output.path);
    } else if (o.output.transport === 'docker') {
      await run(sc, [
        'skopeo',
        'copy',
        ...registryTlsFlag(o.output, 'dest'),
        `oci:${layout}:${tag}`,
        `docker://${o.output.path}`,
      ]);
    } else {
      const old = `${o.output.path}.old-${process.pid}`;
      if (existsSync(o.output.path)) renameSync(o.output.path, old);
      publish(layout, o.output.path);
      rmSync(old, { recursive: true, force: true });
    }
    return {
      image: formatImageRef(o.output),
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

export interface LintResult {
  target: string;
  findings: LintFinding[];
  fatal: number;
  warnings: number;
}

/** Lint an unpacked root filesystem directory, or an image (unpacked into a temp dir first). */
export async function lintImage(
  ctx: Context,
  target: string,
  workBase?: string,
): Promise<LintResult> {
  let root = target;
  const isTree =
    existsSync(target) && statSync(target).isDirectory() && !existsSync(join(target, 'oci-layout'));
  if (!isTree) {
    const ref = absoluteImageRef(
      existsSync(target)
        ? { transport: 'oci', path: target, tag: 'latest' }
        : parseImageRef(target),
    );
    const work = makeWorkDir(ctx, 'particle-os-lint', workBase);
    root = join(work, 'rootfs');
    await step(ctx, `unpack ${formatImageRef(ref)}`, async (sc) => {
      const image = await openImage(sc, ref, work);
      await unpackLayers(sc, image, root);
    });
  }
  const findings = lintTree(root);
  return {
    target,
    findings,
    fatal: findings.filter((f) => f.level === 'fatal').length,
    warnings: findings.filter((f) => f.level === 'warning').length,
  };
}
