import { useState } from 'preact/hooks';
import { api, call, errorText } from '../api/client';

/** Sign in with Gitea (the usual way), or with the admin token (bootstrap, local use). */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const problem = new URLSearchParams(location.search).get('signin_error');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await call(api.POST('/api/auth/token', { body: { token: token.trim() } }));
      history.replaceState(null, '', '/');
      onSignedIn();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin" id="main">
      <h1>aiworker</h1>
      <p>Tasks, agents and reviews in one place.</p>
      {problem && (
        <p class="banner error" role="alert">
          {problem}
        </p>
      )}
      <a class="button primary big" href="/api/auth/gitea/login">
        Sign in with Gitea
      </a>
      <form onSubmit={submit} class="admin-token">
        <h2>Or use the admin token</h2>
        <label for="admin-token">Admin token</label>
        <input id="admin-token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} required aria-describedby="admin-token-help" />
        <p id="admin-token-help" class="hint">
          Printed by <code>npm start</code> and kept in <code>.data/admin-token</code>.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in with the token'}
        </button>
      </form>
    </main>
  );
}
