import { defineIntegrationConfig } from '@boltlink/testing/vitest-config';

// Each worker runs its files one after another in one process (isolate: false), importing the app once per
// worker rather than once per file: those imports were a third of the run. Files stay apart as before (own
// database, own Redis prefix); none mocks a module, fakes timers, stubs a global or writes process.env, and a
// file with its own settings gets its own `test` (test/support: sharedByFiles).
export default defineIntegrationConfig({ test: { isolate: false } });
