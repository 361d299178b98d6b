/**
 * systemd credentials handed to a VM in SMBIOS type 11 strings (QEMU `-smbios type=11,…`):
 * PID 1 imports `io.systemd.credential.binary:NAME=BASE64` at boot (systemd.system-credentials(7)),
 * so checks, SSH keys and unit drop-ins reach the guest without touching the image.
 */

/** One credential as an SMBIOS string; the value is base64, so any byte survives the trip. */
export function smbiosCredential(name: string, value: string): string {
  if (!/^[A-Za-z0-9_.@~-]+$/.test(name)) throw new Error(`credential name not allowed: ${name}`);
  return `io.systemd.credential.binary:${name}=${Buffer.from(value).toString('base64')}`;
}

/**
 * The credential systemd-debug-generator reads a drop-in for a unit from:
 * `systemd.unit-dropin.UNIT~NAME` (systemd ≥ 256).
 */
export function unitDropinName(unit: string, dropinName: string): string {
  return `systemd.unit-dropin.${unit}~${dropinName}`;
}

/** A drop-in for a unit as an SMBIOS string (unitDropinName). */
export function unitDropinCredential(unit: string, dropinName: string, text: string): string {
  return smbiosCredential(unitDropinName(unit, dropinName), text);
}

/** A whole unit, from `systemd.extra-unit.UNIT` (systemd-debug-generator, systemd ≥ 256). */
export function extraUnitCredential(unit: string, text: string): string {
  return smbiosCredential(`systemd.extra-unit.${unit}`, text);
}
