import { createClickBuffer } from '../apps/redirect-edge/src/domain/click-buffer.ts';
import { createClickRecorder } from '../apps/redirect-edge/src/domain/click-recorder.ts';
import { writeResults } from './lib/results-file.ts';

const CLICKS = Number(process.env.CLICKS ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
const LINKS = Array.from(
  { length: 1000 },
  (_, i) => `0190c0de-0000-7000-8000-${String(i).padStart(12, '0')}`,
);

interface Shape {
  name: string;
  ip: (i: number) => string;
  referer: (i: number) => string | undefined;
  country: (i: number) => string | undefined;
}
const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const shapes: Shape[] = [
  { name: 'one returning visitor', ip: () => '10.0.0.1', referer: () => undefined, country: () => undefined },
  { name: 'a new visitor per click', ip: ipOf, referer: () => undefined, country: () => undefined },
  {
    name: 'a new visitor per click, country header and referrers',
    ip: ipOf,
    referer: (i) => `https://site${i % 50}.example/page`,
    country: (i) => (i % 2 === 0 ? 'de' : 'FR'),
  },
];

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

const results = [];
for (const shape of shapes) {
  const buffer = createClickBuffer({
    publisher: { publish: () => Promise.reject(new Error('queue unreachable')) },
    batchSize: 2000,
    flushIntervalMs: 60_000,
    maxBufferedBytes: Number.MAX_SAFE_INTEGER,
    onDropped: () => undefined,
  });
  const record = createClickRecorder({ buffer, appSecret: 'bench-secret-bench-secret-bench-secret-0123' });
  const before = heapUsed();
  const start = Date.now();
  for (let i = 0; i < CLICKS; i += 1) {
    record(LINKS[i % LINKS.length] ?? '', {
      method: 'GET',
      ip: shape.ip(i),
      userAgent: UA,
      referer: shape.referer(i),
      country: shape.country(i),
      occurredAt: start + Math.floor(i / 30),
    });
    // Let failed publishes settle now and then, as the event loop would between requests.
    if (i % 100_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
  const after = heapUsed();
  const bytesPerClick = (after - before) / CLICKS;
  results.push({
    shape: shape.name,
    clicks: buffer.size,
    heapBytes: after - before,
    bytesPerClick: Math.round(bytesPerClick),
  });
  console.log(
    `${shape.name}: ${buffer.size} clicks held, ${((after - before) / 2 ** 20).toFixed(1)} MiB, ${bytesPerClick.toFixed(0)} B/click`,
  );
  await buffer.close();
}

await writeResults('click-buffer-memory', { clicks: CLICKS, results });
