import { build } from 'esbuild';
const r = await build({ entryPoints: ['/tmp/minimal-entry.ts'], bundle: true, minify: true, format: 'esm', write: false, metafile: true, external: ['react','react-dom','@tanstack/react-query','zustand','zustand/*'], outdir: '/tmp/mo', splitting: true, platform: 'browser' });
const rows = [];
for (const [out, o] of Object.entries(r.metafile.outputs)) for (const [k, v] of Object.entries(o.inputs)) rows.push([v.bytesInOutput, k]);
rows.sort((a,b)=>b[0]-a[0]); for (const [b,k] of rows) console.log(b, k);
