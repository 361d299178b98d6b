/** Debian suites a treefile's `base: debian:<suite>` may name, with their release numbers. */
export const SUITES: Record<string, { version: string }> = {
  bookworm: { version: '12' },
  trixie: { version: '13' },
  forky: { version: '14' },
  sid: { version: 'sid' },
};
