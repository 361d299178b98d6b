/**
 * The build plan `build` writes next to its images (`<name>.plan.json`), as the stages that
 * boot an image read it: boot-test for what the booted system must show, run for whether the
 * image has a user to log in as. Declared here, not imported, so that they depend on the file
 * format and not on the image stage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** The fields of the build plan its readers use. */
export interface BuildPlan {
  deployment: { commit: string; version?: string; kargs: string[] };
  hostname?: string;
  users?: { name: string; groups: string[]; sshKeys: number }[];
  /** The display manager's autologin: `shell` is the process the session's desktop runs. */
  autologin?: { user: string; displayManager?: string; session?: string; shell?: string };
  timezone?: string;
  /** The recipe's locale (LANG). */
  locale?: string;
  disk: { partitions: { name: string; filesystem?: string }[] };
}

/** `dir/name.qcow2` → `dir/name.plan.json`. */
export function planFileFor(disk: string): string {
  return join(dirname(disk), `${basename(disk, extname(disk))}.plan.json`);
}

/** The plan next to `disk`, or undefined when there is none. Throws on a plan that is not JSON. */
export function readPlanNextTo(disk: string): BuildPlan | undefined {
  const f = planFileFor(disk);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as BuildPlan) : undefined;
}
