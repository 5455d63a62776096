import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, call, errorText, type PersonToken, type PersonTokenCreated } from '../api/client';
import { ago, when } from '../lib/time';

type Act = (what: string, change: () => Promise<unknown>) => Promise<boolean>;

/**
 * Your personal tokens: with one as the bearer, any MCP client (Claude Code, Codex…) gets people's tools:
 * answer what agents ask, file and read tasks. Made here (shown once), listed, revoked.
 */
export function TokensPanel({ act }: { act: Act }) {
  const [tokens, setTokens] = useState<PersonToken[]>();
  const [problem, setProblem] = useState<string>();
  const [made, setMade] = useState<PersonTokenCreated>();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('write');

  const load = useCallback(async () => {
    try {
      setTokens(await call(api.GET('/api/people/tokens', { params: { query: { limit: 100 } } })));
      setProblem(undefined);
    } catch (error) {
      setProblem(errorText(error));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <div class="page tokens">
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">Your tokens for MCP clients</h2>
        <p class="hint">
          Connect Claude Code, Codex or any MCP client as yourself: answer agents’ questions and file tasks from there. <strong>read</strong> lists
          questions and tasks; <strong>write</strong> also answers and files.
        </p>
        {problem && (
          <p class="banner error" role="alert">
            {problem}
          </p>
        )}
        {tokens && tokens.length === 0 && <p class="none">No tokens yet.</p>}
        {tokens && tokens.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Made</th>
                  <th scope="col">
                    <span class="visually-hidden">Revoke</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((token) => (
                  <tr key={token.id}>
                    <th scope="row">{token.name}</th>
                    <td>
                      <span class={`scope scope-${token.scope}`}>{token.scope}</span>
                    </td>
                    <td>
                      <time dateTime={token.createdAt} title={when(token.createdAt)}>
                        {ago(token.createdAt)}
                      </time>
                    </td>
                    <td>
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Revoke ${token.name}`}
                        onClick={async () => {
                          if (!confirm(`Revoke “${token.name}”? Clients using it stop working at once.`)) return;
                          if (await act(`Token “${token.name}” revoked`, () => call(api.DELETE('/api/people/tokens/{id}', { params: { path: { id: token.id } } })))) {
                            void load();
                          }
                        }}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <form
          class="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            let created: PersonTokenCreated | undefined;
            const done = await act(`Token “${name.trim()}” made`, async () => {
              created = await call(api.POST('/api/people/tokens', { body: { name: name.trim(), scope } }));
            });
            if (done && created) {
              setMade(created);
              setName('');
              void load();
            }
          }}
        >
          <div>
            <label for="token-name">Name</label>
            <input id="token-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={100} placeholder="laptop Claude Code" />
          </div>
          <div>
            <label for="token-scope">Scope</label>
            <select id="token-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value as 'read' | 'write')}>
              <option value="write">write: answer and file</option>
              <option value="read">read: look only</option>
            </select>
          </div>
          <button type="submit" class="primary">
            Make token
          </button>
        </form>
      </section>
      {made && <MadeToken token={made} onDone={() => setMade(undefined)} />}
    </div>
  );
}

function MadeToken({ token, onDone }: { token: PersonTokenCreated; onDone: () => void }) {
  const command = `claude mcp add --transport http aiworker ${location.origin}/mcp --header "Authorization: Bearer ${token.token}"`;
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
    <section class="token-panel" aria-labelledby="person-token-title">
      <h2 id="person-token-title" tabIndex={-1} ref={(el) => el?.focus()}>
        “{token.name}” — shown only now
      </h2>
      <p>Only a hash of it is stored: copy it now. Add it to Claude Code (or any MCP client) with:</p>
      <label for="person-mcp-command">Command for your MCP client</label>
      <textarea id="person-mcp-command" readOnly rows={3} value={command} onFocus={(e) => e.currentTarget.select()} />
      <div class="buttons">
        <button type="button" class="primary" onClick={() => copy('Command', command)}>
          Copy command
        </button>
        <button type="button" onClick={() => copy('Token', token.token)}>
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
