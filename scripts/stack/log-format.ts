import { prettyFactory } from 'pino-pretty';

/**
 * `make up`'s terminal output: each service's JSON log lines (pino writes JSON, since stdout is a pipe)
 * through pino-pretty's own formatter, one line each, behind the name of the service that wrote it.
 * pino-pretty is a dependency of this runner only, never of a service image.
 */
export type Formatter = (source: string, line: string) => string;

export function createFormatter(options: { color: boolean; width: number }): Formatter {
  const pretty = prettyFactory({
    colorize: options.color,
    translateTime: 'SYS:HH:MM:ss.l',
    // Printed in the tag (service), or noise in a terminal.
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const sourceColors = new Map<string, number>();
  const palette = [36, 35, 34, 33, 32, 96];

  return (source, line) => {
    if (!sourceColors.has(source))
      sourceColors.set(source, palette[sourceColors.size % palette.length] ?? 36);
    const tag = `${paint(sourceColors.get(source) ?? 36, source.padEnd(options.width))} | `;
    // pino-pretty passes a line that is not a pino record through as it is.
    const text = isRecord(line) ? (pretty(line) ?? line).replace(/\n+$/, '') : line;
    // An error's stack spans lines: each keeps the tag, so a reader can tell whose it is.
    return text.replace(/^/gm, tag);
  };
}

function isRecord(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && 'level' in value;
  } catch {
    return false;
  }
}

/** Splits a stream into lines, holding a partial last line until the rest arrives. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; flush(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') onLine(line.replace(/\r$/, ''));
    },
    flush() {
      if (pending.trim() !== '') onLine(pending);
      pending = '';
    },
  };
}
