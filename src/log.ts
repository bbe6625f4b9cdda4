// Structured logs (pino). Pretty-printed only when asked for (log.pretty) and pino-pretty is installed.
import pino, { type Logger } from 'pino';

export function createLogger(level: string, pretty: boolean): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: ['*.password', '*.secret', '*.token'], censor: '***' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
