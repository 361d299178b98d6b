/**
 * Automatic versions like rpm-ostree's `automatic-version-prefix`: `<prefix>.<YYYYMMDD>.<n>`,
 * where n counts up within a day, starting from the version of the ref's previous commit.
 * A prefix holding `<date:FORMAT>` (rpm-ostree's form, e.g. `13.<date:%Y%m%d>`) places the
 * date itself, and the version is `<expanded prefix>.<n>`.
 */
export function nextVersion(prefix: string, date: Date, previous: string | undefined): string {
  const stem = prefix.includes('<date:')
    ? expandDates(prefix, date)
    : `${prefix}.${formatDate('%Y%m%d', date)}`;
  if (previous?.startsWith(`${stem}.`)) {
    const n = Number.parseInt(previous.slice(stem.length + 1), 10);
    if (Number.isInteger(n)) return `${stem}.${n + 1}`;
  }
  return `${stem}.0`;
}

/** Every `<date:FORMAT>` in `s`, formatted for `date` (UTC, so a build's zone changes nothing). */
export function expandDates(s: string, date: Date): string {
  return s.replace(/<date:([^>]*)>/g, (_m, format: string) => formatDate(format, date));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The strftime conversions that give digits only (the schema admits no others, since the result
 * goes into a version string): %Y %y %m %d %H %M %S %j; anything else is kept as written.
 */
const CONVERSIONS: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => pad(d.getUTCFullYear() % 100),
  m: (d) => pad(d.getUTCMonth() + 1),
  d: (d) => pad(d.getUTCDate()),
  H: (d) => pad(d.getUTCHours()),
  M: (d) => pad(d.getUTCMinutes()),
  S: (d) => pad(d.getUTCSeconds()),
  j: (d) => pad(dayOfYear(d), 3),
};

/** `format` with each %X of CONVERSIONS replaced by its value for `date`. */
export function formatDate(format: string, date: Date): string {
  return format.replace(/%(.)/g, (m, c: string) => CONVERSIONS[c]?.(date) ?? m);
}

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}
