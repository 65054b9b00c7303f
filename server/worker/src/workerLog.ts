import type { Connection } from 'vscode-languageserver/node';

/** Where the worker's lines go: the client's output channel, through the connection. */
export interface WorkerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Logs through connection.console (window/logMessage), falling back to stderr when the
 * connection cannot carry it any more (the client went away): logging must never throw,
 * since it runs inside the uncaughtException handler too.
 */
export function connectionLog(connection: Connection): WorkerLog {
  const safely = (send: (m: string) => void, level: string) => (message: string) => {
    try {
      send(message);
    } catch {
      try {
        process.stderr.write(`[pacchettino worker ${level}] ${message}\n`);
      } catch {
        /* nowhere left to write */
      }
    }
  };
  return {
    info: safely((m) => connection.console.info(m), 'info'),
    warn: safely((m) => connection.console.warn(m), 'warn'),
    error: safely((m) => connection.console.error(m), 'error'),
  };
}
