/** Turns the services' JSON log lines (pino, since stdout is a pipe) into one readable terminal line each. */

const LEVELS: Record<number, { label: string; color: number }> = {
  10: { label: 'TRACE', color: 90 },
  20: { label: 'DEBUG', color: 90 },
  30: { label: 'INFO ', color: 32 },
  40: { label: 'WARN ', color: 33 },
  50: { label: 'ERROR', color: 31 },
  60: { label: 'FATAL', color: 35 },
};

// Printed elsewhere on the line, or noise in a terminal.
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'v', 'err']);

export type Formatter = (source: string, line: string) => string;

export function createFormatter(options: { color: boolean; width: number }): Formatter {
  const paint = (code: number, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const sourceColors = new Map<string, number>();
  const palette = [36, 35, 34, 33, 32, 96];

  return (source, line) => {
    if (!sourceColors.has(source))
      sourceColors.set(source, palette[sourceColors.size % palette.length] ?? 36);
    const tag = paint(sourceColors.get(source) ?? 36, source.padEnd(options.width));
    const record = parseRecord(line);
    if (record === undefined) return `${tag} | ${line}`;

    const level = levelOf(record.level);
    const time = typeof record.time === 'number' || typeof record.time === 'string' ? clock(record.time) : '';
    const extras = Object.entries(record)
      .filter(([key]) => !HIDDEN.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    let text = `${tag} | ${paint(90, time)} ${paint(level.color, level.label)} ${String(record.msg ?? '')}`;
    if (extras) text += ` ${paint(90, extras)}`;
    const err = record.err as { message?: string; stack?: string } | undefined;
    if (err) text += `\n${(err.stack ?? err.message ?? JSON.stringify(err)).replace(/^/gm, `${tag} |   `)}`;
    return text;
  };
}

/** pino writes levels as numbers by default; our services write labels (`formatters.level`). */
function levelOf(value: unknown): { label: string; color: number } {
  const byNumber = LEVELS[Number(value)];
  if (byNumber) return byNumber;
  const byLabel = Object.values(LEVELS).find((level) => level.label.trim() === String(value).toUpperCase());
  return byLabel ?? { label: String(value).toUpperCase().padEnd(5), color: 0 };
}

function clock(time: number | string): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? String(time) : date.toISOString().slice(11, 23);
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 'level' in value)
      return value as Record<string, unknown>;
  } catch {
    // Not JSON after all: printed as it is.
  }
  return undefined;
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
