// Loaded with `node --import` (NODE_OPTIONS) into a service the tests start: appends the URL of every module
// loaded from a package whose path contains BOLTLINK_RECORD_LOADS_MATCH to BOLTLINK_RECORD_LOADS_FILE, so a
// test can tell which libraries a process loaded (for instance: no tracing SDK when tracing is off).
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const file = process.env.BOLTLINK_RECORD_LOADS_FILE;
const match = process.env.BOLTLINK_RECORD_LOADS_MATCH;
if (file && match) {
  registerHooks({
    load(url, context, next) {
      if (url.includes(match)) appendFileSync(file, `${url}\n`);
      return next(url, context);
    },
  });
}
