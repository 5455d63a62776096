import { useState } from 'preact/hooks';
import { api, call, type AgentRegistered, type Board, type Me } from '../api/client';
import { ago, when } from '../lib/time';

type Act = (what: string, change: () => Promise<unknown>) => Promise<boolean>;

/** Agents: status, last seen, current task; admins register new ones and see each token once. */
export function AgentsView({ board, me, act, onOpenTask }: { board: Board; me: Me; act: Act; onOpenTask: (taskId: string) => void }) {
  const [registered, setRegistered] = useState<AgentRegistered>();
  const tasks = new Map(board.tasks.map((task) => [task.id, task]));
  const agents = [...board.agents].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div class="page">
      <section aria-labelledby="agents-title">
        <h2 id="agents-title">Agents ({agents.length})</h2>
        {agents.length === 0 ? (
          <p class="none">No agents yet. Register one below and connect it over MCP.</p>
        ) : (
          <div class="table-wrap">
            <table class="agents-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last seen</th>
                  <th scope="col">Current task</th>
                  <th scope="col">Can do</th>
                </tr>
              </thead>
              <tbody>
                {agents.map((agent) => {
                  const current = agent.currentTaskId ? tasks.get(agent.currentTaskId) : undefined;
                  const seen = agent.lastSeenAt ?? agent.lastHeartbeatAt;
                  return (
                    <tr key={agent.id}>
                      <th scope="row">{agent.name}</th>
                      <td data-label="Status">
                        <span class={`status status-${agent.status}`}>{agent.status}</span>
                      </td>
                      <td data-label="Last seen">{seen ? <time dateTime={seen} title={when(seen)}>{ago(seen)}</time> : 'never'}</td>
                      <td data-label="Current task">
                        {current ? (
                          <button type="button" class="link" onClick={() => onOpenTask(current.id)}>
                            {current.title}
                          </button>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td data-label="Can do">{agent.capabilities.join(', ') || '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {me.admin ? (
        <RegisterAgent act={act} onRegistered={setRegistered} />
      ) : (
        <p class="hint">Only admins register agents.</p>
      )}
      {registered && <AgentToken agent={registered} onDone={() => setRegistered(undefined)} />}
    </div>
  );
}

function RegisterAgent({ act, onRegistered }: { act: Act; onRegistered: (agent: AgentRegistered) => void }) {
  const [name, setName] = useState('');
  const [capabilities, setCapabilities] = useState('');
  return (
    <section aria-labelledby="register-title">
      <h2 id="register-title">Register an agent</h2>
      <form
        class="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          let agent: AgentRegistered | undefined;
          const done = await act(`Agent “${name.trim()}” registered`, async () => {
            agent = await call(
              api.POST('/api/agents', {
                body: { name: name.trim(), capabilities: capabilities.split(',').map((item) => item.trim()).filter(Boolean) },
              }),
            );
          });
          if (done && agent) {
            onRegistered(agent);
            setName('');
            setCapabilities('');
          }
        }}
      >
        <div>
          <label for="agent-name">Name</label>
          <input id="agent-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={200} />
        </div>
        <div>
          <label for="agent-capabilities">Capabilities (comma-separated)</label>
          <input id="agent-capabilities" value={capabilities} onInput={(e) => setCapabilities(e.currentTarget.value)} placeholder="typescript, docs" />
        </div>
        <button type="submit" class="primary">
          Register
        </button>
      </form>
    </section>
  );
}

function AgentToken({ agent, onDone }: { agent: AgentRegistered; onDone: () => void }) {
  const command = `claude mcp add --transport http aiworker ${location.origin}/mcp --header "Authorization: Bearer ${agent.token}"`;
  const [copied, setCopied] = useState<string>();
  const copy = async (what: string, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(`${what} copied`);
    } catch {
      setCopied('Copying is not allowed here: select the text and copy it yourself');
    }
  };
  return (
    <section class="token-panel" aria-labelledby="token-title">
      <h2 id="token-title" tabIndex={-1} ref={(el) => el?.focus()}>
        {agent.name}’s token — shown only now
      </h2>
      <p>Only a hash of it is stored: copy it now. Connect Claude Code (or any MCP client) with:</p>
      <label for="mcp-command">Command</label>
      <textarea id="mcp-command" readOnly rows={3} value={command} onFocus={(e) => e.currentTarget.select()} />
      <div class="buttons">
        <button type="button" class="primary" onClick={() => copy('Command', command)}>
          Copy command
        </button>
        <button type="button" onClick={() => copy('Token', agent.token)}>
          Copy token only
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status">{copied}</p>
    </section>
  );
}
