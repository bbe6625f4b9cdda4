// Sign in (session cookie). Accounts are created with `wick users create` or sign-up.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { Button, Card, ErrorNote, Field, inputClass } from '../components/ui';
import { useAuth } from '../lib/auth';

export function LoginPage() {
  const { login, user } = useAuth();
  const { query, route } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const next = query.next && query.next.startsWith('/') && !query.next.startsWith('/login') ? query.next : '/';
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
      route(next);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="mx-auto max-w-sm py-8">
      <Card title="Sign in to Wick">
        {user && <p class="mb-3 text-sm">Signed in as <b>{user.email}</b>. <a class="underline" href={next}>Continue</a></p>}
        <form onSubmit={submit} class="space-y-3" data-testid="login-form">
          <Field label="E-mail"><input class={inputClass} type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} /></Field>
          <Field label="Password"><input class={inputClass} type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></Field>
          <ErrorNote error={error} />
          <Button variant="primary" type="submit" disabled={busy} class="w-full justify-center">{busy ? 'Signing in…' : 'Sign in'}</Button>
        </form>
        <p class="mt-3 text-xs text-slate-500">No account? An admin creates one with <code>wick users create</code>.</p>
      </Card>
    </div>
  );
}
