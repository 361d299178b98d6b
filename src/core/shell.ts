/** Quote a string for POSIX sh (for the few places that must hand a tool a shell snippet). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
