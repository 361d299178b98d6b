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
 * A drop-in for a unit, read by systemd-debug-generator from the credential
 * `systemd.unit-dropin.UNIT~NAME` (systemd ≥ 256).
 */
export function unitDropinCredential(unit: string, dropinName: string, text: string): string {
  return smbiosCredential(`systemd.unit-dropin.${unit}~${dropinName}`, text);
}

/** A whole unit, from `systemd.extra-unit.UNIT` (systemd-debug-generator, systemd ≥ 256). */
export function extraUnitCredential(unit: string, text: string): string {
  return smbiosCredential(`systemd.extra-unit.${unit}`, text);
}
