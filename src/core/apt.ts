/**
 * apt options used for every mmdebstrap run. Snapshot mirrors serve Release files whose
 * Valid-Until has passed; signatures are still verified, only the expiry check is off.
 */
export const APT_OPTIONS = ['--aptopt=Acquire::Check-Valid-Until "false"'];
