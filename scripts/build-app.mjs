// Bundles an app's src/server.ts (and the workspace packages it imports) into dist/ for `node dist/server.js`.
// An app with more commands lists them all in package.json `boltlink.entryPoints` (dist/<name>.js each).
// npm dependencies stay external so native modules (argon2) and their own files load as published.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// esbuild is a devDependency of each app, so resolve it from the app being built, not from this script.
const { build } = createRequire(join(process.cwd(), 'package.json'))('esbuild');

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !name.startsWith('@boltlink/'));

await build({
  entryPoints: pkg.boltlink?.entryPoints ?? ['src/server.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The pinned runtime (.node-version): the images and `make up` run this major.
  target: 'node26',
  sourcemap: true,
  external,
  logLevel: 'warning',
  // CommonJS dependencies inlined through workspace packages (close-with-grace) call require(); an ESM
  // bundle has none unless it is created here.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
