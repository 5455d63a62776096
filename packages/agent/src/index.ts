export { main } from './cli.js';
export { Runner, type RunSummary } from './runner.js';
export { parseConfig, ASK_EXIT_CODE, type RunnerConfig } from './config.js';
