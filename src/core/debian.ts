/**
 * Debian archive facts shared by the stages that run apt: the options every mmdebstrap run
 * gets, and apt's one-line source format (sources.list(5)), parsed and rendered in one place.
 */

/**
 * apt options used for every mmdebstrap run. Snapshot mirrors serve Release files whose
 * Valid-Until has passed; signatures are still verified, only the expiry check is off.
 */
export const APT_OPTIONS = ['--aptopt=Acquire::Check-Valid-Until "false"'];

/** One `deb` line of sources.list(5). */
export interface DebLine {
  uri: string;
  suite: string;
  components: string[];
  /** Keyring file for `[signed-by=…]`. */
  signedBy?: string;
}

/** A `deb` line (options in brackets skipped), or undefined for anything else. */
export function parseDebLine(line: string): DebLine | undefined {
  const m = line.match(/^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)((?:\s+\S+)*)\s*$/);
  if (!m) return undefined;
  const signedBy = m[1]?.match(/(?:^|\s)signed-by=(\S+)/)?.[1];
  return {
    uri: m[2] as string,
    suite: m[3] as string,
    components: (m[4] ?? '').split(/\s+/).filter(Boolean),
    ...(signedBy ? { signedBy } : {}),
  };
}

/**
 * A `deb` line. Its fields were validated by the treefile schema (no whitespace, brackets or
 * line breaks), so they cannot add options or lines.
 */
export function renderDebLine(d: DebLine): string {
  const opts = d.signedBy ? ` [signed-by=${d.signedBy}]` : '';
  return `deb${opts} ${d.uri} ${d.suite}${d.components.length ? ` ${d.components.join(' ')}` : ''}`;
}
