import { memo } from 'preact/compat';
import type { Agent, Project, Task } from '../api/client';
import { failedJobText, retryOf } from '../lib/retry';
import { reviewState } from '../lib/states';
import { ago } from '../lib/time';
import { UsageFact } from './UsageFact';
import { CheckFacts } from './ChecksFacts';

type Act = (what: string, change: () => Promise<unknown>) => Promise<boolean>;
import { isWebLink } from '../lib/links';

interface Props {
  task: Task;
  agent?: Agent;
  /** The task's project: the card names it. */
  project?: Project;
  act: Act;
  /** Titles of the unfinished tasks this one depends on, joined; empty when not blocked. */
  blockedBy: string;
  onOpen: (taskId: string, from: HTMLElement) => void;
}

function Card({ task, agent, project, act, blockedBy, onOpen }: Props) {
  const review = reviewState(task);
  const retry = retryOf(task);
  return (
    <li class="card" data-task-id={task.id}>
      <div class="card-top">
        <span class={`priority p${Math.floor(task.priority / 25)}`} title="Priority (0–100, higher first)">
          P{task.priority}
        </span>
        {review && <span class="review">{review}</span>}
        {project && (
          <span class="project-name" title={`${project.giteaOwner}/${project.giteaRepo}`}>
            {project.name}
          </span>
        )}
      </div>
      <h3>
        <button type="button" class="card-title" onClick={(event) => onOpen(task.id, event.currentTarget)}>
          {task.title}
        </button>
      </h3>
      {task.state === 'needs_input' && task.question && <p class="question">“{task.question}”</p>}
      <dl class="facts">
        {task.assignedAgentId && (
          <div>
            <dt>Agent</dt>
            <dd>
              {agent?.name ?? task.assignedAgentId.slice(0, 8)}
              {agent && <span class="seen"> · seen {ago(agent.lastSeenAt ?? agent.lastHeartbeatAt)}</span>}
            </dd>
          </div>
        )}
        {task.branchName && (
          <div>
            <dt>Branch</dt>
            <dd>
              <code title={task.branchName}>{task.branchName}</code>
            </dd>
          </div>
        )}
        {isWebLink(task.prUrl) && (
          <div>
            <dt>Pull request</dt>
            <dd>
              <a href={task.prUrl} target="_blank" rel="noreferrer">
                PR #{task.prNumber ?? '?'}
              </a>
            </dd>
          </div>
        )}
        {task.issue && isWebLink(task.issue.url) && (
          <div>
            <dt>Issue</dt>
            <dd>
              <a href={task.issue.url} target="_blank" rel="noreferrer">
                #{task.issue.number}
              </a>
            </dd>
          </div>
        )}
        <CheckFacts task={task} />
        {task.usage && <UsageFact usage={task.usage} />}
        {blockedBy && (
          <div class="blocked">
            <dt>Blocked by</dt>
            <dd>{blockedBy}</dd>
          </div>
        )}
      </dl>
      {task.lastError && (
        <div class="job-failed" role="note">
          <p title={task.lastError}>
            <strong>Gitea job failed:</strong> {failedJobText(task)}
          </p>
          {retry && (
            <button type="button" onClick={() => act(retry.done, () => retry.request(task.id))} aria-label={`Retry: ${retry.label}`}>
              Retry
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** Cards re-render only when their task, agent, project or blockers changed (a poll that changes one task redraws one card). */
export const TaskCard = memo(Card, (a, b) => a.task === b.task && a.agent === b.agent && a.project === b.project && a.blockedBy === b.blockedBy && a.act === b.act);
