/**
 * The metamorphic script's command line, checked before anything runs: the whole suite takes hours, so a typo
 * (`--network=resnet18` for `--networks=`, `--help`) must not start it. Exits 2 with one line naming what was
 * found and what is allowed; `--help` prints the usage and exits 0.
 */
import { zooNames } from '../../workloads/zoo';

const SWITCHES = ['model-only', 'sim-only', 'simulator', 'verbose'] as const;
const VALUED = ['networks', 'presets', 'plans', 'relations', 'images', 'max-images', 'max-run-events', 'out', 'from'] as const;
export const SUITE_PRESETS = ['isaac', 'puma', 'xformer'] as const;
export const SUITE_PLAN_NAMES = ['baseline', 'replication only'] as const;

export const USAGE = `npm run metamorphic -- [options]   (node dist/scripts/metamorphic.js [options])
The metamorphic suite: more of any resource never makes the zoo's baseline and replicated plans slower by more than
0.5%, in the model and the simulator. Exits 1 when a check is a violation or has no verdict.
  --model-only | --sim-only        one side only (default: both)
  --networks=a,b                   zoo networks (default: all)
  --presets=isaac,puma,xformer     presets (default: all three)
  --plans=baseline,'replication only'
  --relations=N,M                  indices into the suite's relations
  --images=N                       N images per simulation instead of the settle rule
  --max-images=N --max-run-events=N   the settle rule's limits (default 16384 and 5e8)
  --out=FILE                       append one JSON line per check as it is made
  --from=FILE[,FILE]               print the table of such lines, judged again, without running anything
  --verbose                        print every check, not only those not ok
`;

function fail(message: string): never {
  process.stderr.write(`metamorphic: ${message}\n`);
  process.exit(2);
}

/** Checks `argv` (process.argv.slice(2)); returns only when every word is an allowed option with allowed values. */
export function checkMetamorphicArgs(argv: readonly string[], relationCount: number): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const allowed = `allowed: ${[...SWITCHES.map((s) => `--${s}`), ...VALUED.map((v) => `--${v}=...`)].join(', ')} (see --help)`;
  for (const word of argv) {
    const name = word.startsWith('--') ? word.slice(2).split('=')[0] ?? '' : '';
    const hasValue = word.includes('=');
    if ((SWITCHES as readonly string[]).includes(name) && !hasValue) continue;
    if ((VALUED as readonly string[]).includes(name) && hasValue) continue;
    if ((VALUED as readonly string[]).includes(name)) fail(`'${word}' needs a value: --${name}=...`);
    fail(`unknown option '${word}'; ${allowed}`);
  }
  const values = (name: string): string[] | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
  const within = (name: string, known: readonly string[]): void => {
    for (const v of values(name) ?? []) if (!known.includes(v)) fail(`--${name}: '${v}' is not one of ${known.join(', ')}`);
  };
  within('networks', zooNames());
  within('presets', SUITE_PRESETS);
  within('plans', SUITE_PLAN_NAMES);
  for (const v of values('relations') ?? []) {
    const i = Number(v);
    if (!(v.trim() !== '' && Number.isInteger(i) && i >= 0 && i < relationCount)) fail(`--relations: '${v}' is not an index into the ${relationCount} relations (0 to ${relationCount - 1})`);
  }
  for (const v of values('from') ?? []) if (v === '') fail('--from: an empty file name');
}
