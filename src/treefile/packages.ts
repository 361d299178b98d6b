/**
 * Package entries of a treefile as apt reads them: `name`, `name=VERSION` (exactly this
 * version) or `name/SUITE` (the candidate of that suite, apt's target-release syntax). The
 * whole entry goes to apt unchanged; everything that compares packages (exclusions, what the
 * base needs, interpreters, dedup) uses the bare name. And the kernel: which linux-image
 * metapackage the base installs for each `kernel-flavour`.
 */

/** Debian policy 5.6.1: lowercase letters, digits, "+", "-", "."; at least two characters. */
export const PACKAGE_NAME_RE = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * deb-version(7): an optional numeric epoch, an upstream version starting with a digit, an
 * optional Debian revision after the last "-". Nothing else (no "/", "," or spaces: the entry
 * becomes one apt argument and one word of mmdebstrap's comma-separated --include).
 */
export const DEBIAN_VERSION_RE = /^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~]*(?:-[A-Za-z0-9.+~]+)*$/;

/**
 * A suite as apt.sources names it (trixie-backports, sid): one word, starting with a letter
 * (apt reads `name/13` as a release version, not a suite).
 */
export const SUITE_WORD_RE = /^[a-z][a-z0-9.+~_-]*$/;

/** One entry, split. */
export interface PackageSpec {
  name: string;
  /** `name=VERSION`. */
  version?: string;
  /** `name/SUITE`. */
  suite?: string;
}

/** Name, then at most one qualifier ("=" version or "/" suite). */
const SPEC_RE = /^([^=/]*)(?:([=/])(.*))?$/s;

/** The parts of an entry as written (no check: see packageSpecProblem). */
export function splitPackageSpec(spec: string): PackageSpec {
  const m = SPEC_RE.exec(spec);
  if (!m) return { name: spec };
  const [, name = '', op, rest] = m;
  if (op === '=') return { name, version: rest };
  if (op === '/') return { name, suite: rest };
  return { name };
}

/** The package an entry names: `linux-image-amd64/trixie-backports` → `linux-image-amd64`. */
export function packageName(spec: string): string {
  return splitPackageSpec(spec).name;
}

/** True when an entry picks a version or a suite (anything apt is told beyond the name). */
export function isQualified(spec: string): boolean {
  const s = splitPackageSpec(spec);
  return s.version !== undefined || s.suite !== undefined;
}

/** One ${variable} (substituted later; checked again after). */
const VAR = String.raw`\$\{[a-z_]+\}`;
const withVars = (chars: string) => new RegExp(`^(?:${chars}|${VAR})+$`);
const NAME_WITH_VARS = withVars('[a-z0-9+.-]');
const VERSION_WITH_VARS = withVars('[A-Za-z0-9.+~:-]');
const SUITE_WITH_VARS = withVars('[a-z0-9.+~_-]');

/**
 * Why one entry (one word of a `packages` item) is not something apt may be given, or
 * undefined. `variables`: ${name} may still stand in any part (before substitution).
 */
export function packageSpecProblem(spec: string, variables = false): string | undefined {
  if (/[=/].*[=/]/s.test(spec))
    return `not a valid package entry "${spec}": one =VERSION or one /SUITE, not both or twice`;
  const { name, version, suite } = splitPackageSpec(spec);
  const has = (re: RegExp, withVariables: RegExp, s: string) =>
    re.test(s) || (variables && withVariables.test(s) && s.includes('${'));
  if (!has(PACKAGE_NAME_RE, NAME_WITH_VARS, name))
    return `not a valid package entry "${spec}": "${name}" is not a Debian package name (lowercase letters, digits, "+", "-", "."; at least two characters)`;
  if (version !== undefined && !has(DEBIAN_VERSION_RE, VERSION_WITH_VARS, version))
    return `not a valid package entry "${spec}": "${version}" is not a Debian version ([EPOCH:]UPSTREAM[-REVISION], starting with a digit)`;
  if (suite !== undefined && !has(SUITE_WORD_RE, SUITE_WITH_VARS, suite))
    return `not a valid package entry "${spec}": "${suite}" is not a suite name (one word as apt.sources suites name it, e.g. trixie-backports)`;
  return undefined;
}

/**
 * A version relation as rpm-ostree and RPM users write it (`less >= 600`, `less>=600`) or as a
 * Debian control file does (`less (>= 600)`): name, operator, version.
 */
const RELATION_RE =
  /^\s*([a-z0-9][a-z0-9+.-]*)\s*\(?\s*(<<|>>|<=|>=|==|=|<|>)\s*([^\s()]+)\s*\)?\s*$/s;

/**
 * Why a whole `packages` entry is a version relation apt cannot be given, or undefined. apt
 * installs one candidate per package: an entry can pin an exact version (`name=VERSION`) but
 * not a range, and `=` with spaces around it is three words.
 */
export function versionRelationProblem(entry: string): string | undefined {
  const m = RELATION_RE.exec(entry);
  if (!m || (m[2] === '=' && !/\s|\(/.test(entry))) return undefined;
  const [, name, op, version] = m;
  if (op === '=' || op === '==')
    return `"${entry}": apt pins an exact version as one word with one "=": ${name}=${version}`;
  return `"${entry}" is a version relation (${op} ${version}): apt installs one version per package, so a treefile takes no ranges; write ${name} for the suite's candidate or ${name}=VERSION for exactly one version (apt-cache policy ${name} lists them)`;
}

/**
 * Kernel flavours: the linux-image metapackage each installs. `default` is Debian's generic
 * kernel; `cloud` is built for virtual machines of cloud providers (fewer drivers, no physical
 * hardware support to speak of); `rt` has the PREEMPT_RT patches. Which suites have which:
 * suites.ts.
 */
export const KERNEL_FLAVOURS = {
  default: 'linux-image-amd64',
  cloud: 'linux-image-cloud-amd64',
  rt: 'linux-image-rt-amd64',
} as const;
export type KernelFlavour = keyof typeof KERNEL_FLAVOURS;

/** The kernel metapackage of a flavour (undefined: the default kernel). */
export function kernelPackage(flavour: KernelFlavour | undefined): string {
  return KERNEL_FLAVOURS[flavour ?? 'default'];
}

/**
 * Names that install a kernel image on amd64: the flavours' metapackages
 * (`linux-image-cloud-amd64`) and the versioned images they depend on
 * (`linux-image-6.12.48+deb13-cloud-amd64`, its `-unsigned` build). Not the debug symbols
 * (`-dbg`) nor the signing template.
 */
const KERNEL_IMAGE_RE =
  /^linux-image-(?:[0-9][a-z0-9.+~]*-(?:[0-9]+-)?)?(?:[a-z]+-)?amd64(?:-unsigned)?$/;

export function isKernelImage(name: string): boolean {
  return KERNEL_IMAGE_RE.test(name);
}
