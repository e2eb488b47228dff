// After `vite build` and `tsc -p tsconfig.build.json`: declarations import each other with `.js`
// (tsc keeps the sources' `.ts` in .d.ts files, which nodenext consumers and attw reject), and the
// stylesheets are copied beside the bundles.
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '..', 'dist');
const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.tsx?(['"])/g;
let files = 0;
for (const entry of readdirSync(join(dist, 'types'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE_TS, '$1$2.js$3');
  if (fixed !== text) {
    writeFileSync(file, fixed);
    files += 1;
  }
}
for (const sheet of ['styles.css', 'dark.css']) copyFileSync(resolve(dist, '..', 'src', 'components', sheet), join(dist, sheet));
console.log(`finish-build: ${files} declaration files rewritten to .js imports; styles.css and dark.css copied`);
