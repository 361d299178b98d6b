/** What a boot test expects, read from the plan a build wrote next to its images. */
import type { BuildPlan } from '../vm/build-plan.ts';
import type { Expectations } from './guest-checks.ts';

export function expectationsFromPlan(plan: BuildPlan): Expectations {
  return {
    commit: plan.deployment.commit,
    version: plan.deployment.version,
    hostname: plan.hostname,
    kargs: plan.deployment.kargs.filter((k) => !k.startsWith('root=')),
    users: (plan.users ?? []).map((u) => ({ name: u.name, groups: u.groups, sshKeys: u.sshKeys })),
    timezone: plan.timezone,
    locale: plan.locale,
    autologin: plan.autologin && { user: plan.autologin.user, shell: plan.autologin.shell },
    rootFilesystem: plan.disk.partitions.find((p) => p.name === 'root')?.filesystem,
  };
}
