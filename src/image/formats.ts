/**
 * Output formats: the raw disk is assembled once, every other format is a `qemu-img convert`
 * of it (sparse-aware, fast). vmdk can be streamOptimized (what VMware/VirtualBox import
 * expects in OVAs); qcow2 can be compressed (smaller, slower to write).
 */
export const IMAGE_TYPES = ['raw', 'qcow2', 'vmdk', 'vdi'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export interface FormatOptions {
  /** vmdk subformat (qemu-img): monolithicSparse (default) or streamOptimized. */
  vmdkSubformat?: 'monolithicSparse' | 'streamOptimized';
  /** Compress qcow2 clusters (qemu-img convert -c). */
  qcow2Compress?: boolean;
}

/** The qemu-img argv converting the raw disk into `type` (undefined for raw: a sparse copy). */
export function convertArgv(
  type: ImageType,
  raw: string,
  out: string,
  o: FormatOptions = {},
): string[] {
  if (type === 'raw') return ['cp', '--sparse=always', raw, out];
  const argv = ['qemu-img', 'convert', '-f', 'raw', '-O', type];
  if (type === 'qcow2' && o.qcow2Compress) argv.push('-c');
  if (type === 'vmdk' && o.vmdkSubformat) argv.push('-o', `subformat=${o.vmdkSubformat}`);
  return [...argv, raw, out];
}
