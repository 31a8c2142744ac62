import { runRegistryBench } from './dist/bench/registry-bench.js';
const t = Date.now();
const r = await runRegistryBench({ meters: Number(process.argv[2]), windowSeconds: Number(process.argv[3]), log: (l) => console.log((Date.now() - t) + ' ' + l) });
console.log(JSON.stringify({ ...r, rows: undefined }), JSON.stringify(r.rows));
