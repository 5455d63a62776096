/** The feedback kept on a task is bounded: the newest text wins. */
export const FEEDBACK_LIMIT = 20_000;

/**
 * The task's feedback with one entry added (review text from Gitea, a person's send-back note): the one
 * place feedback is written, cut from the front to FEEDBACK_LIMIT characters when it grows past it.
 */
export function appendFeedback(feedback: string | undefined, entry: string): string {
  const all = feedback ? `${feedback}\n\n${entry}` : entry;
  return all.length > FEEDBACK_LIMIT ? `…${all.slice(all.length - FEEDBACK_LIMIT + 1)}` : all;
}
