/**
 * The local runtime in a process of its own, for the restart test to kill with SIGKILL (a crash, not a
 * clean stop). Its options come as JSON in AIWORKER_CHILD_RUNTIME; it prints `READY {url}` once serving.
 */
import { startRuntime, type RuntimeOptions } from '../../packages/local/src/runtime.js';

const options = JSON.parse(process.env.AIWORKER_CHILD_RUNTIME ?? '{}') as RuntimeOptions;
const runtime = await startRuntime(options);
process.stdout.write(`READY ${JSON.stringify({ url: runtime.url })}\n`);
// Serve until killed.
setInterval(() => undefined, 60_000);
