import { join, resolve } from 'node:path';
import { StartupError } from './emulators/java.js';
import { projectRoot } from './handler-loader.js';
import { localGitea, type LocalGitea } from './local-gitea.js';
import { startRuntime, type Runtime } from './runtime.js';
import { ensureBoardBuilt } from './board-build.js';
import { connectBoardSignIn } from './board-signin.js';
import { resolveWebhookSecret } from './webhook-secret.js';
import { assertPortFree, ignoreInsideProject, lockDataDir } from './start-checks.js';

/** `npm start`: the whole system on this machine, no AWS account needed. */
async function main() {
  const port = Number(process.env.PORT ?? 3000);
  // Loopback only unless HOST says otherwise (e.g. HOST=0.0.0.0 to open the API to the network on purpose).
  // DynamoDB Local, fauxqs and the Gitea stand-in always stay on 127.0.0.1.
  const host = process.env.HOST || '127.0.0.1';
  // On a laptop the board listens on loopback and notification receivers are usually local too; a
  // deployment leaves this off (internal addresses refused). AIWORKER_NOTIFY_ALLOW_PRIVATE=false turns it off here.
  process.env.AIWORKER_NOTIFY_ALLOW_PRIVATE ??= 'true';
  // Where DynamoDB Local keeps its data and the admin token lives: AIWORKER_DATA_DIR, default .data/ in the project.
  const dataDir = process.env.AIWORKER_DATA_DIR ? resolve(process.env.AIWORKER_DATA_DIR) : join(projectRoot, '.data');
  let runtime: Runtime;
  let gitea: LocalGitea | undefined;
  let signIn: string;
  let unlock: () => void = () => undefined;
  try {
    // Said before anything starts: a taken port, a data folder another npm start is using.
    await assertPortFree(port, host);
    unlock = lockDataDir(dataDir);
    ignoreInsideProject(dataDir, projectRoot);
    ensureBoardBuilt((line) => console.log(line));
    gitea = await localGitea(dataDir);
    const webhookSecret = resolveWebhookSecret(dataDir);
    runtime = await startRuntime({ port, host, dataDir, giteaUrl: gitea.url, giteaToken: gitea.token, webhooks: { secret: webhookSecret.secret } });
    runtime.onStop(gitea.stop);
    runtime.onStop(async () => unlock());
    signIn = await connectBoardSignIn(gitea, Number(new URL(runtime.url).port));
  } catch (error) {
    await gitea?.stop();
    unlock();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      console.error(`Port ${port} is already in use. Stop whatever is using it, or start on another port: PORT=3001 npm start`);
    } else if (error instanceof StartupError) {
      console.error(error.message);
    } else {
      console.error('aiworker could not start:', error);
    }
    process.exit(1);
  }

  // Ctrl-C is handled before the banner says it may be pressed: a signal that arrived between the two would
  // kill the process with the data folder still locked and DynamoDB Local running.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received, stopping…`);
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  console.log(`
aiworker is running (local runtime: DynamoDB Local + fauxqs SQS, no AWS account)

  Board        ${runtime.url}/
               ${signIn}, or the admin token below
  REST API     ${runtime.url}/api
  OpenAPI      ${runtime.url}/api/openapi.json
  MCP          ${runtime.url}/mcp
  DynamoDB     ${runtime.dynamoEndpoint}  (table ${runtime.tableName}, data in ${dataDir})
  SQS          ${runtime.sqsEndpoint}
  Gitea        ${gitea.description}
${gitea.token && gitea.tokenSource ? `  Gitea token  ${gitea.token}
               (user ${gitea.user}, from ${gitea.tokenSource}; for git over HTTPS and the runner: GITEA_TOKEN)
` : ''}  Webhooks     ${process.env.AIWORKER_PUBLIC_URL}/api/webhooks/gitea  (AIWORKER_PUBLIC_URL; secret in AIWORKER_WEBHOOK_SECRET or .data/webhook-secret)
  Admin token  ${runtime.adminToken}
               (from ${runtime.adminTokenSource})

  Try: curl -H "Authorization: Bearer ${runtime.adminToken}" ${runtime.url}/api/projects

Press Ctrl-C to stop.`);

}

void main();
