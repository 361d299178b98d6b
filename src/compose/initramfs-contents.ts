/**
 * What an initramfs holds, read from the image itself rather than from dracut's progress
 * output (whose wording changes between dracut releases: forky's dracut no longer prints
 * "Including module: ostree", and ostree-boot renamed its module directory from 98ostree to
 * 50ostree, so neither is a fact compose may rely on).
 *
 * An initramfs is a concatenation of cpio archives in the kernel's "newc" format
 * (Documentation/driver-api/early-userspace/buffer-format.rst): optionally uncompressed ones
 * first (early microcode), then one compressed archive. Header fields are 8 hex digits; name
 * and data are padded to 4 bytes; an archive ends with the entry `TRAILER!!!`; zero bytes may
 * pad between archives.
 */
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import type { StepContext } from '../core/context.ts';
import { BuildError } from '../core/errors.ts';
import { start } from '../core/run.ts';

/** One entry: its path without a leading "./" or "/", and its st_mode. */
export interface CpioEntry {
  path: string;
  mode: number;
}

const NEWC_MAGIC = ['070701', '070702'];
const HEADER = 110;
const TRAILER = 'TRAILER!!!';

/** Compressions the kernel unpacks, by their magic bytes, with the host tool that reads them. */
const COMPRESSIONS: { name: string; magic: number[]; argv: string[] }[] = [
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], argv: ['zstd', '-dc'] },
  { name: 'gzip', magic: [0x1f, 0x8b], argv: ['gzip', '-dc'] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], argv: ['xz', '-dc'] },
];

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

/**
 * The newc entry whose header starts at `p`: its name, mode and where its data starts and ends
 * (padded); undefined when `buf` ends before the name does. Throws on a malformed header.
 */
function entryAt(
  buf: Buffer,
  p: number,
): { name: string; mode: number; dataStart: number; end: number } | undefined {
  if (buf.length < p + HEADER) return undefined;
  const magic = buf.toString('latin1', p, p + 6);
  if (!NEWC_MAGIC.includes(magic))
    throw new BuildError(`initramfs: not a newc cpio header (magic "${magic}")`);
  const field = (i: number): number =>
    Number.parseInt(buf.toString('latin1', p + 6 + i * 8, p + 14 + i * 8), 16);
  const mode = field(1);
  const fileSize = field(6);
  const nameSize = field(11);
  if ([mode, fileSize, nameSize].some(Number.isNaN) || nameSize < 1)
    throw new BuildError('initramfs: malformed cpio header');
  const dataStart = p + HEADER + nameSize + pad4(HEADER + nameSize);
  if (buf.length < dataStart) return undefined;
  const name = buf.toString('utf8', p + HEADER, p + HEADER + nameSize - 1);
  return { name, mode, dataStart, end: dataStart + fileSize + pad4(fileSize) };
}

/**
 * A streaming newc reader: fed bytes in any chunking, it collects entries and notes each
 * archive's end. Data is skipped, never copied, so a 100 MiB archive costs little memory.
 */
export class NewcReader {
  readonly entries: CpioEntry[] = [];
  /** Number of TRAILER!!! entries seen. */
  archives = 0;
  private pending: Buffer = Buffer.alloc(0);
  private skip = 0;

  /** Feeds bytes; throws a BuildError on a malformed header. */
  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.skip) {
        const n = Math.min(this.skip, buf.length);
        this.skip -= n;
        buf = buf.subarray(n);
        if (this.skip) break;
      }
      // Zero padding between archives (and at the end).
      let z = 0;
      while (z < buf.length && buf[z] === 0) z++;
      buf = buf.subarray(z);
      const e = entryAt(buf, 0);
      if (!e) break;
      this.add(e);
      buf = buf.subarray(e.dataStart);
      this.skip = e.end - e.dataStart;
    }
    this.pending = Buffer.from(buf);
  }

  /** Records an entry, or the end of an archive. */
  add(e: { name: string; mode: number }): void {
    if (e.name === TRAILER) this.archives++;
    else this.entries.push({ path: e.name.replace(/^(\.\/|\/)+/, ''), mode: e.mode });
  }

  /** True when everything fed so far ended at an archive boundary. */
  get complete(): boolean {
    return this.skip === 0 && this.pending.every((b) => b === 0) && this.archives > 0;
  }
}

/**
 * Reads the uncompressed archives an initramfs starts with; returns them and the offset where
 * the compressed rest starts (equal to the length when there is none).
 */
export function readUncompressedPrefix(data: Buffer): { reader: NewcReader; rest: number } {
  const reader = new NewcReader();
  let p = 0;
  let inArchive = false;
  for (;;) {
    // Zeros and anything that is not a cpio header may only come after an archive's trailer.
    if (!inArchive) {
      while (p < data.length && data[p] === 0) p++;
      if (p >= data.length || !NEWC_MAGIC.includes(data.toString('latin1', p, p + 6)))
        return { reader, rest: p };
    }
    const e = entryAt(data, p);
    if (!e || e.end > data.length) throw new BuildError('initramfs: cpio archive cut short');
    reader.add(e);
    inArchive = e.name !== TRAILER;
    p = e.end;
  }
}

/**
 * Every entry of an initramfs image (host path), uncompressed prefix and compressed main
 * archive alike. Decompresses with the host's zstd, gzip or xz through the runner.
 * Errors: BuildError for an unknown compression or a malformed archive; ToolError when the
 * decompressor fails.
 */
export async function listInitramfs(sc: StepContext, image: string): Promise<CpioEntry[]> {
  const data = readFileSync(image);
  const { reader, rest } = readUncompressedPrefix(data);
  if (rest >= data.length) return reader.entries;
  const head = data.subarray(rest, rest + 8);
  const c = COMPRESSIONS.find((x) => x.magic.every((b, i) => head[i] === b));
  if (!c)
    throw new BuildError(
      `initramfs ${image}: compressed with an unsupported method (magic ${head.toString('hex')}); compose reads ${COMPRESSIONS.map((x) => x.name).join(', ')}`,
    );
  const main = new NewcReader();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        main.push(chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  const r = start(sc, c.argv, { stdin: Readable.from([data.subarray(rest)]), stdout: sink });
  await r.done;
  if (!main.complete)
    throw new BuildError(`initramfs ${image}: the ${c.name} archive is cut short`);
  return [...reader.entries, ...main.entries];
}

/** What OSTree's boot needs in the initramfs: its prepare-root binary and the unit running it. */
export interface OstreeInitramfsCheck {
  prepareRoot: boolean;
  prepareRootUnit: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/**
 * Whether the entries carry ostree-prepare-root (a regular file under usr/lib/ostree or
 * lib/ostree) and ostree-prepare-root.service (in a systemd unit directory), whatever dracut
 * module put them there.
 */
export function checkOstreeInitramfs(entries: CpioEntry[]): OstreeInitramfsCheck {
  const has = (re: RegExp, regular: boolean): boolean =>
    entries.some((e) => re.test(e.path) && (!regular || (e.mode & S_IFMT) === S_IFREG));
  return {
    prepareRoot: has(/^(usr\/)?lib\/ostree\/ostree-prepare-root$/, true),
    prepareRootUnit: has(
      /^(usr\/)?(lib|etc)\/systemd\/system\/ostree-prepare-root\.service$/,
      false,
    ),
  };
}
