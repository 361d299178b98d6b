/** What a boot test expects, read from the plan a build wrote next to its images. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Expectations } from './guest-checks.ts';

/**
 * The fields of the build plan (`<name>.plan.json`, written by the image stage) that say what
 * the booted system must show. Declared here, not imported, so that verify depends on the
 * file format and not on the image stage.
 */
export interface BuildPlan {
  deployment: { commit: string; version?: string; kargs: string[] };
  hostname?: string;
  users?: { name: string; groups: string[]; sshKeys: number }[];
  timezone?: string;
  disk: { partitions: { name: string; filesystem?: string }[] };
}

export function planFileFor(disk: string): string {
  return join(dirname(disk), `${basename(disk, extname(disk))}.plan.json`);
}

export function expectationsFromPlan(plan: BuildPlan): Expectations {
  return {
    commit: plan.deployment.commit,
    version: plan.deployment.version,
    hostname: plan.hostname,
    kargs: plan.deployment.kargs.filter((k) => !k.startsWith('root=')),
    users: (plan.users ?? []).map((u) => ({ name: u.name, groups: u.groups, sshKeys: u.sshKeys })),
    timezone: plan.timezone,
    rootFilesystem: plan.disk.partitions.find((p) => p.name === 'root')?.filesystem,
  };
}

export function readPlanNextTo(disk: string): BuildPlan | undefined {
  const f = planFileFor(disk);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as BuildPlan) : undefined;
}
