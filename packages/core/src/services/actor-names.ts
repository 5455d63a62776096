/** How a task's events and messages name who acted (`admin`, `gitea:<login>`, `agent:<id>`, or nobody: a user). */

/** The same at the start of a sentence (a Gitea login is left as it is). */
export const ActorName = (actor: string | undefined): string => {
  const name = actorName(actor);
  return actor?.startsWith('gitea:') ? name : `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
};

/** How an event's message names who acted. */
export const actorName = (actor: string | undefined): string =>
  !actor ? 'a user' : actor === 'admin' ? 'the admin' : actor.startsWith('gitea:') ? actor.slice('gitea:'.length) : actor.startsWith('agent:') ? `agent ${actor.slice(6)}` : actor;
