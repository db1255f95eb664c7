import { once } from 'node:events';
import net from 'node:net';

/** A plain TCP connection to a test server: what is written is sent as is, what comes back is kept. */
export interface RawConnection {
  socket: net.Socket;
  /** Everything received so far (latin1). */
  received: () => string;
  /** Resolves with the time the connection closed. */
  closed: Promise<number>;
}

export async function openRawConnection(port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  // A server that closes a connection while the client is still writing (a timed-out request whose
  // headers keep trickling in) resets it: the client sees ECONNRESET, then 'close', which is what is asserted.
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  return { socket, received: () => text, closed };
}
