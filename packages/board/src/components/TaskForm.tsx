import { useState } from 'preact/hooks';
import type { Project } from '../api/client';

export interface TaskValues {
  projectId: string;
  title: string;
  description: string;
  priority: number;
}

interface Props {
  projects: Project[];
  initial: TaskValues;
  submitLabel: string;
  fixedProject?: boolean;
  onSubmit: (values: TaskValues) => Promise<void>;
  onCancel?: () => void;
}

/** Create or edit a task: project, title, description, priority. */
export function TaskForm({ projects, initial, submitLabel, fixedProject, onSubmit, onCancel }: Props) {
  const [values, setValues] = useState(initial);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<TaskValues>) => setValues({ ...values, ...patch });
  return (
    <form
      class="task-form"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        try {
          await onSubmit({ ...values, title: values.title.trim() });
        } finally {
          setBusy(false);
        }
      }}
    >
      {!fixedProject && (
        <>
          <label for="task-project">Project</label>
          <select id="task-project" value={values.projectId} onChange={(e) => set({ projectId: e.currentTarget.value })} required>
            {projects.map((project) => (
              <option key={project.id} value={project.id}>
                {project.name}
              </option>
            ))}
          </select>
        </>
      )}
      <label for="task-title">Title</label>
      <input id="task-title" value={values.title} maxLength={500} onInput={(e) => set({ title: e.currentTarget.value })} required />
      <label for="task-description">Description</label>
      <textarea id="task-description" rows={5} value={values.description} maxLength={50000} onInput={(e) => set({ description: e.currentTarget.value })} />
      <label for="task-priority">Priority (0–100, higher is picked first)</label>
      <input id="task-priority" type="number" min={0} max={100} step={1} value={values.priority} onInput={(e) => set({ priority: Number(e.currentTarget.value) })} required />
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
