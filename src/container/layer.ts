/**
 * A layer blob from a directory: GNU tar (it reads xattrs such as file capabilities, which
 * Node cannot) piped through a parallel compressor (`pigz -n` or `zstd -T0`, both
 * deterministic), hashing the uncompressed stream (diff_id) and the compressed blob (digest)
 * on the way. A layer holds the whole directory or an explicit list of entries (a chunk).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StepContext } from '../core/context.ts';
import { start } from '../core/run.ts';
import { MEDIA } from '../oci/descriptor.ts';
import { blobPath, type LayerInfo } from '../oci/write.ts';

export const COMPRESSIONS = ['gzip', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

const COMPRESSOR: Record<Compression, { argv: string[]; mediaType: string }> = {
  gzip: { argv: ['pigz', '-n', '-6', '-c'], mediaType: MEDIA.layerGzip },
  zstd: { argv: ['zstd', '-T0', '-3', '-q', '-c', '--no-progress'], mediaType: MEDIA.layerZstd },
};

/** tar flags for reproducible root filesystem layers. */
export function layerTarArgv(
  dir: string,
  input: { entries: string[] } | { listFile: string },
): string[] {
  return [
    'tar',
    '--create',
    '--file=-',
    `--directory=${dir}`,
    '--format=pax',
    '--sort=name',
    '--numeric-owner',
    '--mtime=@0',
    '--xattrs',
    '--xattrs-include=*',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    ...('listFile' in input
      ? ['--no-recursion', '--null', '--verbatim-files-from', `--files-from=${input.listFile}`]
      : ['--', ...input.entries]),
  ];
}

export interface LayerOptions {
  compression?: Compression;
  /** Only these paths (relative to `dir`, parents listed before children); default: all. */
  entries?: string[];
  /** Scratch directory for the entry list. */
  work?: string;
  annotations?: Record<string, string>;
}

export async function writeLayer(
  sc: StepContext,
  dir: string,
  layout: string,
  o: LayerOptions = {},
): Promise<LayerInfo> {
  const compressor = COMPRESSOR[o.compression ?? 'gzip'];
  mkdirSync(layout, { recursive: true });
  let input: { entries: string[] } | { listFile: string } = { entries: readdirSync(dir).sort() };
  if (o.entries) {
    const listFile = join(o.work ?? layout, `entries-${process.pid}-${Date.now()}.list`);
    writeFileSync(listFile, o.entries.map((e) => `${e}\0`).join(''));
    input = { listFile };
  }
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let size = 0;
  const uncompressed = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      diffHash.update(chunk);
      cb(null, chunk);
    },
  });
  const compressedOut = new PassThrough();
  // Written next to blobs/ and renamed into it once its digest is known.
  const tmpBlob = join(layout, `.incoming-${process.pid}`);
  const saving = pipeline(
    compressedOut,
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        blobHash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    }),
    createWriteStream(tmpBlob),
  );
  const compress = start(sc, compressor.argv, { stdin: uncompressed, stdout: compressedOut });
  const tar = start(sc, layerTarArgv(dir, input), { stdout: uncompressed });
  await Promise.all([tar.done, compress.done, saving]);
  const digest = `sha256:${blobHash.digest('hex')}`;
  renameSync(tmpBlob, blobPath(layout, digest));
  return {
    mediaType: compressor.mediaType,
    digest,
    size,
    diffId: `sha256:${diffHash.digest('hex')}`,
    ...(o.annotations ? { annotations: o.annotations } : {}),
  };
}
