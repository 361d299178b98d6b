/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org): seconds since 1970 that builds use instead of
 * "now". Read and checked in one place; the runner passes it on to host tools (mmdebstrap,
 * dpkg, dracut --reproducible read it from the environment).
 */
import { UsageError } from './errors.ts';

/** The caller's SOURCE_DATE_EPOCH in seconds, or undefined. Throws UsageError when malformed. */
export function sourceDateEpoch(): number | undefined {
  const v = process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v))
    throw new UsageError(`SOURCE_DATE_EPOCH must be seconds since 1970, not ${v}`);
  return Number(v);
}
