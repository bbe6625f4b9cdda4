// The signed-in user (session cookie set by POST /v1/auth/login).
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { api, call, type Schemas } from '../api/client';

type User = { id: number; email: string; role: string; emailVerified: boolean; createdAt: number };

interface Auth {
  user: User | null;
  checked: boolean;
  login(email: string, password: string): Promise<User>;
  logout(): Promise<void>;
}

const Ctx = createContext<Auth>({ user: null, checked: false, login: async () => { throw new Error('no auth'); }, logout: async () => undefined });
export const useAuth = () => useContext(Ctx);
export type { Schemas };

export function AuthProvider({ children }: { children: ComponentChildren }) {
  const [user, setUser] = useState<User | null>(null);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    api.GET('/v1/auth/me').then((r) => setUser(r.data ?? null), () => setUser(null)).finally(() => setChecked(true));
  }, []);
  const login = useCallback(async (email: string, password: string) => {
    const u = await call(api.POST('/v1/auth/login', { body: { email, password } }));
    setUser(u);
    return u;
  }, []);
  const logout = useCallback(async () => {
    await api.POST('/v1/auth/logout');
    setUser(null);
  }, []);
  return <Ctx.Provider value={{ user, checked, login, logout }}>{children}</Ctx.Provider>;
}
