import fs from 'node:fs';
function rss(){const t=fs.readFileSync('/proc/self/smaps','utf8');let cur, bin=0, anon=0;for(const l of t.split('\n')){if(/^[0-9a-f]+-[0-9a-f]+ /.test(l)){const p=l.split(/\s+/);cur=(p[5]||'');}else if(l.startsWith('Rss:')){const v=parseInt(l.split(/\s+/)[1]); if(cur.endsWith('/node')) bin+=v; else anon+=v;}}return `bin ${(bin/1024).toFixed(1)} other ${(anon/1024).toFixed(1)}`;}
const s=rss();
const t0=performance.now();
const {default: loadYoga} = await import('./node_modules/yoga-layout/dist/binaries/yoga-wasm-base64-esm.js');
const y = await loadYoga();
const t1=performance.now();
await new Promise(r=>setTimeout(r,1000));
console.log(s, '->', rss(), (t1-t0).toFixed(1)+'ms');
