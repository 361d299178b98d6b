/**
 * What `grub-bios-setup` does, done on a disk image file (it refuses loop devices on these
 * machines): put boot.img's code in the MBR, pointing it at core.img in the BIOS-boot partition,
 * and fill in core.img's first-sector blocklist so it loads the rest of itself.
 * Offsets are GRUB's i386-pc boot.S / diskboot.S constants.
 */
import { SECTOR } from './partitions.ts';

/** boot.img: LBA of core.img's first sector (u64). */
const KERNEL_SECTOR_OFFSET = 0x5c;
/** boot.img: the drive check jump, replaced by two NOPs as grub-bios-setup does. */
const DRIVE_CHECK_OFFSET = 0x66;
/** Only the first 440 bytes are code; the disk signature and partition table follow. */
const MBR_CODE_BYTES = 440;
/** diskboot.img's blocklist: last 12 bytes of core.img's first sector. */
const BLOCKLIST_OFFSET = SECTOR - 12;
const CORE_LOAD_SEGMENT = 0x820;

/** The 440 bytes of MBR code to write at LBA 0 for a core.img at `coreLba`. */
export function patchBootImg(bootImg: Buffer, coreLba: number): Buffer {
  if (bootImg.length !== SECTOR)
    throw new Error(`boot.img must be 512 bytes, got ${bootImg.length}`);
  const code = Buffer.from(bootImg.subarray(0, MBR_CODE_BYTES));
  code.writeBigUInt64LE(BigInt(coreLba), KERNEL_SECTOR_OFFSET);
  code[DRIVE_CHECK_OFFSET] = 0x90;
  code[DRIVE_CHECK_OFFSET + 1] = 0x90;
  return code;
}

/** core.img, padded to whole sectors, with its blocklist pointing at its remaining sectors. */
export function patchCoreImg(coreImg: Buffer, coreLba: number, maxSectors: number): Buffer {
  const sectors = Math.ceil(coreImg.length / SECTOR);
  if (sectors > maxSectors) {
    throw new Error(`core.img needs ${sectors} sectors, the BIOS-boot partition has ${maxSectors}`);
  }
  const out = Buffer.alloc(sectors * SECTOR);
  coreImg.copy(out);
  out.writeBigUInt64LE(BigInt(coreLba + 1), BLOCKLIST_OFFSET);
  out.writeUInt16LE(sectors - 1, BLOCKLIST_OFFSET + 8);
  out.writeUInt16LE(CORE_LOAD_SEGMENT, BLOCKLIST_OFFSET + 10);
  return out;
}
