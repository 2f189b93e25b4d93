import * as gulplog from 'gulplog';
import { redactText } from './redact';

/** Injected everywhere, so tasks log through gulp (honouring -L and --silent) and tests capture. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

// Every line goes out with its URLs redacted: a config's URL may carry a token (lib/redact.ts).
export const gulpLogger: Logger = {
  debug: (m) => gulplog.debug(redactText(m)),
  info: (m) => gulplog.info(redactText(m)),
  warn: (m) => gulplog.warn(redactText(m)),
  error: (m) => gulplog.error(redactText(m)),
};

export interface MemoryLogger extends Logger {
  lines: { level: keyof Logger; message: string }[];
  text(): string;
}

export function memoryLogger(echo = false): MemoryLogger {
  const lines: MemoryLogger['lines'] = [];
  const at = (level: keyof Logger) => (raw: string) => {
    const message = redactText(raw);
    lines.push({ level, message });
    if (echo) process.stderr.write(`[${level}] ${message}\n`);
  };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => lines.map((l) => `${l.level}: ${l.message}`).join('\n'),
  };
}
