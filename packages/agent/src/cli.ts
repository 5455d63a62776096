import { parseConfig, USAGE, UsageError } from './config.js';
import { Runner } from './runner.js';

/** `aiworker agent [options]`; returns the exit code (0 all done, 1 a task given back or an error, 2 usage, 130 Ctrl-C). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(`aiworker: the agent runner\n\n${USAGE}`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'agent') {
    console.error(`aiworker: unknown command "${command}"; the one there is: aiworker agent (see aiworker --help)`);
    return 2;
  }
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(rest, env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`aiworker agent: ${(error as Error).message}\n\nSee aiworker agent --help`);
      return 2;
    }
    throw error;
  }
  if (!config) {
    console.log(USAGE);
    return 0;
  }

  const runner = new Runner(config);
  if (runner.sandbox) {
    const why = await runner.sandbox.unavailable();
    if (why) {
      console.error(`aiworker agent: no sandbox for the coding command (${why}); install bubblewrap (apt-get install bubblewrap) or pass --no-sandbox to run it unsandboxed, with access to this runner's tokens`);
      return 2;
    }
  } else {
    console.log('aiworker agent: --no-sandbox: the coding command runs unsandboxed and can read this runner\'s tokens and repositories');
  }
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      console.log(`${signal} received: stopping the coding command(s); a task being coded goes back to the backlog, one waiting for an answer stays in needs_input (Ctrl-C again to quit at once)`);
      runner.stop();
    } else {
      console.log('quitting at once: tasks stay as they are (in_progress tasks go back to the backlog when the lease ends)');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await runner.run();
    if (summary.stopped) return 130;
    return summary.ends.some((end) => end.kind === 'given_back') ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
