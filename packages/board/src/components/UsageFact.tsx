import type { Project } from '../api/client';
import { money, usageText, type Usage } from '../lib/usage';

/** A card's usage line: what the task's attempts cost so far. */
export function UsageFact({ usage }: { usage: Usage }) {
  return (
    <div class="cost" title={usageText(usage)}>
      <dt>Usage</dt>
      <dd>
        {usage.costUsd ? money(usage.costUsd) : `${Math.round(usage.seconds)} s`} · {usage.attempts} run{usage.attempts === 1 ? '' : 's'}
      </dd>
    </div>
  );
}

/** A project's totals, and its daily budget when it has one. */
export function ProjectUsage({ project }: { project: Project }) {
  return (
    <>
      {project.usage ? usageText(project.usage) : <span class="none">—</span>}
      {project.budget && <div class="hint">Budget {money(project.budget.costUsdPerDay)} a day (UTC)</div>}
    </>
  );
}
