// Dark / light theme: saved in localStorage, default from the system; charts follow it.
import { useEffect, useState } from 'preact/hooks';

type Theme = 'dark' | 'light';
const listeners = new Set<(t: Theme) => void>();

export const currentTheme = (): Theme => (document.documentElement.classList.contains('dark') ? 'dark' : 'light');

export function setTheme(t: Theme) {
  document.documentElement.classList.toggle('dark', t === 'dark');
  try { localStorage.setItem('wick-theme', t); } catch { /* private mode */ }
  for (const l of listeners) l(t);
}

export function useTheme(): Theme {
  const [t, setT] = useState<Theme>(currentTheme());
  useEffect(() => {
    listeners.add(setT);
    return () => { listeners.delete(setT); };
  }, []);
  return t;
}

export const chartColors = (t: Theme) => t === 'dark'
  ? { bg: '#0f172a', text: '#94a3b8', grid: '#1e293b', border: '#334155', up: '#10b981', down: '#f43f5e', line: '#38bdf8' }
  : { bg: '#ffffff', text: '#475569', grid: '#f1f5f9', border: '#cbd5e1', up: '#059669', down: '#e11d48', line: '#0284c7' };
