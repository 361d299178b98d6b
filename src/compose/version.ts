/**
 * Automatic versions like rpm-ostree's `automatic-version-prefix`: `<prefix>.<YYYYMMDD>.<n>`,
 * where n counts up within a day, starting from the version of the ref's previous commit.
 */
export function nextVersion(prefix: string, date: Date, previous: string | undefined): string {
  const day = date.toISOString().slice(0, 10).replace(/-/g, '');
  const stem = `${prefix}.${day}`;
  if (previous?.startsWith(`${stem}.`)) {
    const n = Number.parseInt(previous.slice(stem.length + 1), 10);
    if (Number.isInteger(n)) return `${stem}.${n + 1}`;
  }
  return `${stem}.0`;
}
