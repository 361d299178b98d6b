/**
 * A layer blob from a directory: GNU tar (it reads xattrs such as file capabilities, which
 * Node cannot) piped through a parallel gzip (`pigz -n`, deterministic), hashing the
 * uncompressed stream (diff_id) and the compressed blob (digest) on the way.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, readdirSync, renameSync } from 'node:fs';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StepContext } from '../core/context.ts';
import { start } from '../core/run.ts';
import { blobPath, type LayerInfo, MEDIA } from './oci.ts';

/** tar flags for reproducible root filesystem layers. */
export function layerTarArgv(dir: string, entries: string[]): string[] {
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
    '--',
    ...entries,
  ];
}

export async function writeLayer(sc: StepContext, dir: string, layout: string): Promise<LayerInfo> {
  const entries = readdirSync(dir).sort();
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
  const tmpBlob = blobPath(layout, 'sha256:incoming');
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
  const gzip = start(sc, ['pigz', '-n', '-6', '-c'], {
    stdin: uncompressed,
    stdout: compressedOut,
  });
  const tar = start(sc, layerTarArgv(dir, entries), { stdout: uncompressed });
  await Promise.all([tar.done, gzip.done, saving]);
  const digest = `sha256:${blobHash.digest('hex')}`;
  renameSync(tmpBlob, blobPath(layout, digest));
  return { mediaType: MEDIA.layerGzip, digest, size, diffId: `sha256:${diffHash.digest('hex')}` };
}
