/** pino-shaped JSON lines on stdout (`time` in epoch ms), for the cluster primary of bench servers. */
const line =
  (level: string) =>
  (obj: object, msg: string): void => {
    process.stdout.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, ...obj, msg })}\n`);
  };

export const jsonLogger = { info: line('info'), warn: line('warn'), error: line('error') };
