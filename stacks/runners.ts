/**
 * Agent runners on ECS Fargate (sst.dev/docs/component/aws/cluster, …/aws/service): off unless the stage sets
 * AIWORKER_RUNNERS=N. Each of the N runners is a Service of one container (packages/agent/Dockerfile) holding
 * one agent token, so it works on one task at a time as one agent. Its tokens never reach the task definition
 * as plain text: they are set with `sst secret set` (RunnerAgentTokens: N agent tokens, comma-separated;
 * RunnerGiteaToken; RunnerModelKey), copied into one Secrets Manager secret and handed to each container by
 * ECS at start (`ssm`, JSON key per variable).
 */
export interface RunnerSettings {
  count: number;
  /** The coding command (AIWORKER_AGENT_COMMAND in the container). */
  command: string;
  giteaUrl: string;
  giteaUsername?: string;
  /** npm package specs of the coding CLIs baked into the image (the Dockerfile's CODING_CLIS build argument). */
  codingClis?: string;
  /** The variable the coding CLI reads its model API key from (RunnerModelKey's value goes there). */
  modelKeyVariable: string;
  /** Pass --no-sandbox to the runners, for a platform that allows no namespaces (each runner is its own Fargate task). */
  noSandbox: boolean;
  /** The only hosts the sandboxed command may reach (the runners' AIWORKER_SANDBOX_HOSTS, i.e. --allow-host), comma-separated. */
  allowHosts?: string;
}

/** The stage settings of the runners (docs/runner.md, Many runners); undefined when AIWORKER_RUNNERS is unset or 0. */
export function runnerSettings(env: Record<string, string | undefined>): RunnerSettings | undefined {
  const raw = env.AIWORKER_RUNNERS?.trim();
  if (!raw || raw === '0') return undefined;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 50) throw new Error(`AIWORKER_RUNNERS must be a whole number from 0 to 50, got "${raw}"`);
  const command = env.AIWORKER_RUNNER_COMMAND?.trim();
  if (!command) throw new Error('AIWORKER_RUNNERS is set: AIWORKER_RUNNER_COMMAND (the coding command each runner runs) is required too');
  if (!env.GITEA_URL) throw new Error('AIWORKER_RUNNERS is set: GITEA_URL is required too (the runners push over it)');
  const modelKeyVariable = env.AIWORKER_RUNNER_MODEL_KEY_ENV?.trim() || 'ANTHROPIC_API_KEY';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(modelKeyVariable)) throw new Error(`AIWORKER_RUNNER_MODEL_KEY_ENV must be a variable name, got "${modelKeyVariable}"`);
  const allowHosts = env.AIWORKER_RUNNER_ALLOW_HOSTS?.trim() || undefined;
  const noSandbox = env.AIWORKER_RUNNER_NO_SANDBOX === 'true';
  if (allowHosts && noSandbox) throw new Error('AIWORKER_RUNNER_ALLOW_HOSTS limits the sandbox\'s network: it cannot go with AIWORKER_RUNNER_NO_SANDBOX=true');
  return {
    count,
    command,
    giteaUrl: env.GITEA_URL,
    giteaUsername: env.AIWORKER_RUNNER_GITEA_USERNAME || undefined,
    codingClis: env.AIWORKER_RUNNER_CLIS || undefined,
    modelKeyVariable,
    noSandbox,
    allowHosts,
  };
}

export function createRunners(settings: RunnerSettings, mcpUrl: $util.Input<string>): sst.aws.Service[] {
  const agentTokens = new sst.Secret('RunnerAgentTokens');
  const giteaToken = new sst.Secret('RunnerGiteaToken');
  const modelKey = new sst.Secret('RunnerModelKey');

  const tokens = agentTokens.value.apply((value) => {
    const list = value.split(',').map((token) => token.trim()).filter(Boolean);
    if (list.length < settings.count) throw new Error(`RunnerAgentTokens holds ${list.length} agent token(s); AIWORKER_RUNNERS=${settings.count} needs ${settings.count} (one agent per runner, comma-separated)`);
    return list;
  });
  const vault = new aws.secretsmanager.Secret('RunnerSecrets', { description: 'aiworker runners: agent tokens, Gitea token, model API key', recoveryWindowInDays: 0 });
  new aws.secretsmanager.SecretVersion('RunnerSecretsValue', {
    secretId: vault.id,
    secretString: $jsonStringify({
      ...Object.fromEntries(Array.from({ length: settings.count }, (_, i) => [`agent${i + 1}`, tokens.apply((list) => list[i])])),
      giteaToken: giteaToken.value,
      modelKey: modelKey.value,
    }),
  });
  const from = (key: string) => $interpolate`${vault.arn}:${key}::`;

  const vpc = new sst.aws.Vpc('RunnerVpc', { nat: 'ec2' });
  const cluster = new sst.aws.Cluster('RunnerCluster', { vpc });
  return Array.from({ length: settings.count }, (_, i) =>
    new sst.aws.Service(`Runner${i + 1}`, {
      cluster,
      image: { context: '.', dockerfile: 'packages/agent/Dockerfile', args: settings.codingClis ? { CODING_CLIS: settings.codingClis } : {} },
      cpu: '1 vCPU',
      memory: '4 GB',
      storage: '30 GB',
      ...(settings.noSandbox ? { command: ['--no-sandbox'] } : {}),
      environment: {
        AIWORKER_MCP_URL: mcpUrl,
        AIWORKER_AGENT_COMMAND: settings.command,
        AIWORKER_PASS_ENV: settings.modelKeyVariable,
        GITEA_URL: settings.giteaUrl,
        ...(settings.giteaUsername ? { GITEA_USERNAME: settings.giteaUsername } : {}),
        ...(settings.allowHosts ? { AIWORKER_SANDBOX_HOSTS: settings.allowHosts } : {}),
      },
      ssm: {
        AIWORKER_AGENT_TOKEN: from(`agent${i + 1}`),
        GITEA_TOKEN: from('giteaToken'),
        [settings.modelKeyVariable]: from('modelKey'),
      },
      scaling: { min: 1, max: 1 },
      // Not deployed in `sst dev` (SST's default for a Service): there, a runner is `npx aiworker agent`.
    }),
  );
}
