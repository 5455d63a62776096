import type { Me, Project } from '../api/client';

export type View = 'board' | 'agents' | 'projects' | 'tokens';

interface Props {
  me: Me;
  view: View;
  projects: Project[];
  projectId: string;
  onProject: (id: string) => void;
  onNewTask: () => void;
  onSignOut: () => void;
}

export function Header({ me, view, projects, projectId, onProject, onNewTask, onSignOut }: Props) {
  const link = (target: View, href: string, label: string) => (
    <a href={href} aria-current={view === target ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <header class="top">
      <h1 class="brand">aiworker</h1>
      <nav aria-label="Sections">
        {link('board', '#/', 'Board')}
        {link('agents', '#/agents', 'Agents')}
        {link('projects', '#/projects', 'Projects')}
        {link('tokens', '#/tokens', 'Tokens')}
      </nav>
      <div class="tools">
        {view === 'board' && (
          <>
            <label class="inline" for="project-filter">
              Project
            </label>
            <select id="project-filter" value={projectId} onChange={(e) => onProject(e.currentTarget.value)}>
              <option value="">All projects</option>
              {projects.map((project) => (
                <option key={project.id} value={project.id}>
                  {project.name}
                </option>
              ))}
            </select>
          </>
        )}
        <button type="button" class="primary" onClick={onNewTask} disabled={projects.length === 0} title={projects.length === 0 ? 'Create a project first' : undefined}>
          New task
        </button>
        <span class="who" title={me.actor}>
          {me.login}
          {me.admin && me.kind === 'person' ? ' (admin)' : ''}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
