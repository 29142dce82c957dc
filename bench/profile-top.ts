/**
 * `npx tsx bench/profile-top.ts <file.cpuprofile> [--top 40]`
 *
 * Self time of a `node --cpu-prof` profile, as shares of the sampled time: by package (a
 * node_modules package, the hub's own `src/<dir>/<dir>`, Node's internals, garbage collection,
 * idle), then the top functions, and the top functions of the hub's own code (src/).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' } } });
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));

function packageOf(url: string, name: string): string {
  if (name === '(garbage collector)' || name === '(idle)' || name === '(program)') return name;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/src\/(.+)\/[^/]+$/.exec(url);
  if (src) return `src/${src[1]}`;
  if (url.startsWith('node:') || url === '') return 'node internals';
  return url.replace(/^file:\/\/.*\/(bench|bin)\//, '$1/');
}

const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const busy = total - [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
const groups = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const group = packageOf(url, functionName);
  groups.set(group, (groups.get(group) ?? 0) + us);
  const key = `${functionName || '(anonymous)'}  ${url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}
const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
const top = Number(values.top);
process.stdout.write(`sampled ${(total / 1e6).toFixed(1)} s, busy (not idle) ${(busy / 1e6).toFixed(1)} s; shares of the busy time\n\nby package:\n`);
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) if (g !== '(idle)') process.stdout.write(`  ${pct(us)}  ${g}\n`);
process.stdout.write('\ntop functions (self):\n');
for (const [f, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(us)}  ${f}\n`);
process.stdout.write('\nthe hub\'s own code (src/), top functions (self):\n');
for (const [f, us] of [...functions].filter(([f]) => f.includes(' src/')).sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(us)}  ${f}\n`);
