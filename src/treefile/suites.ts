import type { KernelFlavour } from './packages.ts';

/**
 * Debian suites a treefile's `base: debian:<suite>` may name, with their release numbers.
 * `updates`: a released stable suite, which has `<suite>-updates` in the archive and
 * `<suite>-security` in the security archive (mmdebstrap adds both to its default sources for
 * exactly these; testing and sid have neither in use).
 * `alias`: the archive's moving name for the suite when this table was written (Debian's
 * release notes); only used to point a person who wrote the alias at the codename.
 * `kernels`: the kernel flavours besides the default one whose amd64 metapackage the suite's
 * main component has (packages.ts KERNEL_FLAVOURS; each suite's Packages index when this table
 * was written: all four build linux-image-cloud-amd64 and linux-image-rt-amd64).
 */
export const SUITES: Record<
  string,
  { version: string; updates: boolean; alias: string; kernels: readonly KernelFlavour[] }
> = {
  bookworm: { version: '12', updates: true, alias: 'oldstable', kernels: ['cloud', 'rt'] },
  trixie: { version: '13', updates: true, alias: 'stable', kernels: ['cloud', 'rt'] },
  forky: { version: '14', updates: false, alias: 'testing', kernels: ['cloud', 'rt'] },
  sid: { version: 'sid', updates: false, alias: 'unstable', kernels: ['cloud', 'rt'] },
};

/** Suite names of the archive that move from one release to the next. */
const MOVING = ['oldoldstable', 'oldstable', 'stable', 'testing', 'unstable'];

/** "bookworm (12, oldstable), trixie (13, stable), …" for messages. */
function supported(): string {
  return Object.entries(SUITES)
    .map(([name, s]) => `${name} (${s.version === name ? s.alias : `${s.version}, ${s.alias}`})`)
    .join(', ');
}

/**
 * Why a `base` value cannot be composed, or undefined when it can. One message per fault, each
 * naming what to write instead: an alias or release number points at the codename (a ref and a
 * lockfile must keep meaning one release), experimental is refused (not a complete suite).
 */
export function baseProblem(base: string): string | undefined {
  const m = /^debian:(.+)$/.exec(base);
  if (!m) return 'must look like "debian:<suite>", e.g. debian:trixie';
  const suite = m[1] as string;
  if (Object.hasOwn(SUITES, suite)) return undefined;
  const byAlias = Object.entries(SUITES).find(([, s]) => s.alias === suite)?.[0];
  if (MOVING.includes(suite))
    return `"${suite}" moves to another release over time; name the codename${byAlias ? ` (debian:${byAlias} today)` : ''}. Supported: ${supported()}`;
  const byNumber = Object.entries(SUITES).find(([, s]) => s.version === suite)?.[0];
  if (byNumber) return `name the suite by its codename: debian:${byNumber}`;
  if (suite === 'experimental')
    return 'experimental is not a complete suite (it only adds packages on top of sid); use debian:sid';
  return `unknown or not yet supported Debian suite "${suite}". Supported: ${supported()}`;
}

/** The default archive's suites: `suite`, and -updates and -security for a stable one. */
export function defaultArchiveSuites(suite: string): string[] {
  return SUITES[suite]?.updates ? [suite, `${suite}-updates`, `${suite}-security`] : [suite];
}
