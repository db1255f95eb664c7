import { createSocket, type RemoteInfo } from 'node:dgram';
import dnsPacket from 'dns-packet';

/** Records a test publishes, by owner name (lower case, no trailing dot). */
export interface DnsZone {
  txt: Map<string, string[]>;
  cname: Map<string, string>;
}

export interface LocalDnsServer {
  /** `127.0.0.1:port`, as DNS_SERVERS takes it. */
  readonly address: string;
  readonly port: number;
  /** What the server answers; change it at any time, the next query sees it. */
  readonly zone: DnsZone;
  /** Questions received, `TYPE name` (to assert what a resolver asked). */
  readonly queries: string[];
  close(): Promise<void>;
}

const owner = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/**
 * A real, authoritative-only DNS server on UDP 127.0.0.1 for tests: it answers TXT and CNAME questions from
 * `zone` (NXDOMAIN for a name it holds nothing for, an empty answer for another type), so the code under
 * test resolves through node's own resolver exactly as it would against a public server.
 */
export async function startLocalDnsServer(): Promise<LocalDnsServer> {
  const zone: DnsZone = { txt: new Map(), cname: new Map() };
  const queries: string[] = [];
  const socket = createSocket('udp4');

  socket.on('message', (message: Buffer, remote: RemoteInfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const answers: dnsPacket.Answer[] = [];
    let known = false;
    for (const question of query.questions ?? []) {
      const name = owner(question.name);
      queries.push(`${question.type} ${name}`);
      const txt = zone.txt.get(name);
      const cname = zone.cname.get(name);
      known ||= txt !== undefined || cname !== undefined;
      if (question.type === 'TXT' && txt) {
        for (const value of txt) answers.push({ type: 'TXT', name: question.name, ttl: 60, data: value });
      }
      if ((question.type === 'CNAME' || question.type === 'A') && cname) {
        answers.push({ type: 'CNAME', name: question.name, ttl: 60, data: cname });
      }
    }
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      // Authoritative answer, recursion desired echoed; NXDOMAIN (rcode 3) for a name the zone lacks.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flags ?? 0) | (known ? 0 : 3),
      questions: query.questions,
      answers,
    });
    socket.send(response, remote.port, remote.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: '127.0.0.1', port: 0 }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    port,
    zone,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
