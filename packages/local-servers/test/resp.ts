import { connect } from 'node:net';

/** Sends one command in RESP and returns the raw reply: enough to observe a server without a client library. */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2_000, () => {
      socket.destroy();
      reject(new Error('timed out'));
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (isComplete(reply)) {
        socket.end();
        resolve(reply);
      }
    });
  });
}

function isComplete(reply: string): boolean {
  if (!reply.endsWith('\r\n')) return false;
  const type = reply[0];
  if (type === '+' || type === '-' || type === ':') return true;
  if (type === '$') {
    const length = Number.parseInt(reply.slice(1, reply.indexOf('\r\n')), 10);
    return length < 0 || reply.length >= reply.indexOf('\r\n') + 2 + length + 2;
  }
  // Arrays: good enough for the short CONFIG GET replies the tests read.
  const count = Number.parseInt(reply.slice(1, reply.indexOf('\r\n')), 10);
  return reply.split('\r\n').length - 1 >= 1 + count * 2;
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
