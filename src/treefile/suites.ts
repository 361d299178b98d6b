/**
 * Debian suites a treefile's `base: debian:<suite>` may name, with their release numbers.
 * `updates`: a released stable suite, which has `<suite>-updates` in the archive and
 * `<suite>-security` in the security archive (mmdebstrap adds both to its default sources for
 * exactly these; testing and sid have neither in use).
 */
export const SUITES: Record<string, { version: string; updates: boolean }> = {
  bookworm: { version: '12', updates: true },
  trixie: { version: '13', updates: true },
  forky: { version: '14', updates: false },
  sid: { version: 'sid', updates: false },
};
