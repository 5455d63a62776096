/** What the coding command gets of the runner's environment: only these (and what --pass-env names). */
const ALLOWED = /^(PATH|LANG|LANGUAGE|LC_[A-Z_]+|TERM|COLORTERM|NO_COLOR|TZ|USER|LOGNAME)$/;

/**
 * The coding command's environment, built from an allowlist rather than by removing known secrets: the runner's
 * tokens (AIWORKER_AGENT_TOKEN, GITEA_TOKEN, git's credential header), and anything else the person's shell
 * holds, never reach it unless named with --pass-env (e.g. a model API key). Sandboxed, the sandbox says what its
 * home, temp and proxy are (`sandbox`).
 */
export function commandEnv(source: NodeJS.ProcessEnv, options: { passEnv: string[]; sandbox?: Record<string, string> }, task: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(source)) if (value !== undefined && (ALLOWED.test(key) || options.passEnv.includes(key))) env[key] = value;
  if (options.sandbox) Object.assign(env, options.sandbox);
  else if (source.HOME) env.HOME = source.HOME;
  return { ...env, ...task };
}
