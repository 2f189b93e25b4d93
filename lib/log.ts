import * as gulplog from 'gulplog';

/** Injected everywhere, so tasks log through gulp (honouring -L and --silent) and tests capture. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const gulpLogger: Logger = {
  debug: (m) => gulplog.debug(m),
  info: (m) => gulplog.info(m),
  warn: (m) => gulplog.warn(m),
  error: (m) => gulplog.error(m),
};

export interface MemoryLogger extends Logger {
  lines: { level: keyof Logger; message: string }[];
  text(): string;
}

export function memoryLogger(echo = false): MemoryLogger {
  const lines: MemoryLogger['lines'] = [];
  const at = (level: keyof Logger) => (message: string) => {
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
