import { useState } from 'preact/hooks';
import { api, call, type Board } from '../api/client';
import { ProjectUsage } from './UsageFact';

type Act = (what: string, change: () => Promise<unknown>) => Promise<boolean>;

/** Projects (each a Gitea repository): the list, and a form to create one, optionally with its repository. */
export function ProjectsView({ board, act }: { board: Board; act: Act }) {
  const counts = new Map<string, number>();
  for (const task of board.tasks) counts.set(task.projectId, (counts.get(task.projectId) ?? 0) + 1);
  return (
    <div class="page">
      <section aria-labelledby="projects-title">
        <h2 id="projects-title">Projects ({board.projects.length})</h2>
        {board.projects.length === 0 ? (
          <p class="none">No projects yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Repository</th>
                  <th scope="col">Default branch</th>
                  <th scope="col">Tasks</th>
                  <th scope="col">Usage</th>
                </tr>
              </thead>
              <tbody>
                {board.projects.map((project) => (
                  <tr key={project.id}>
                    <th scope="row">
                      {project.name}
                      {project.description && <div class="hint">{project.description}</div>}
                    </th>
                    <td>
                      <code>
                        {project.giteaOwner}/{project.giteaRepo}
                      </code>
                    </td>
                    <td>
                      <code>{project.defaultBranch}</code>
                    </td>
                    <td>{counts.get(project.id) ?? 0}</td>
                    <td>
                      <ProjectUsage project={project} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <CreateProject act={act} />
    </div>
  );
}

const empty = { name: '', giteaOwner: '', giteaRepo: '', defaultBranch: 'main', description: '', createRepository: true };

function CreateProject({ act }: { act: Act }) {
  const [values, setValues] = useState(empty);
  const set = (patch: Partial<typeof empty>) => setValues({ ...values, ...patch });
  return (
    <section aria-labelledby="create-project-title">
      <h2 id="create-project-title">Create a project</h2>
      <form
        class="grid-form"
        onSubmit={async (event) => {
          event.preventDefault();
          const what = values.createRepository ? `Project “${values.name}” created; its repository is being created in Gitea` : `Project “${values.name}” created`;
          const done = await act(what, () =>
            call(
              api.POST('/api/projects', {
                body: {
                  name: values.name.trim(),
                  giteaOwner: values.giteaOwner.trim(),
                  giteaRepo: values.giteaRepo.trim(),
                  defaultBranch: values.defaultBranch.trim() || 'main',
                  description: values.description.trim() || undefined,
                  createRepository: values.createRepository,
                },
              }),
            ),
          );
          if (done) setValues(empty);
        }}
      >
        <label for="project-name">Name</label>
        <input id="project-name" value={values.name} onInput={(e) => set({ name: e.currentTarget.value })} required />
        <label for="project-owner">Gitea owner (user or organization)</label>
        <input id="project-owner" value={values.giteaOwner} onInput={(e) => set({ giteaOwner: e.currentTarget.value })} required pattern="[A-Za-z0-9_.\-]+" />
        <label for="project-repo">Gitea repository</label>
        <input id="project-repo" value={values.giteaRepo} onInput={(e) => set({ giteaRepo: e.currentTarget.value })} required pattern="[A-Za-z0-9_.\-]+" />
        <label for="project-branch">Default branch</label>
        <input id="project-branch" value={values.defaultBranch} onInput={(e) => set({ defaultBranch: e.currentTarget.value })} />
        <label for="project-description">Description</label>
        <input id="project-description" value={values.description} onInput={(e) => set({ description: e.currentTarget.value })} />
        <div class="check">
          <input id="project-create-repo" type="checkbox" checked={values.createRepository} onChange={(e) => set({ createRepository: e.currentTarget.checked })} />
          <label for="project-create-repo">Create the repository in Gitea (kept if it exists)</label>
        </div>
        <button type="submit" class="primary">
          Create project
        </button>
      </form>
    </section>
  );
}
