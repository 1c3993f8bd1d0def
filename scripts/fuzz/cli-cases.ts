/** Fuzz cases of CLI options: each flag with values plainly bad or fine, repeated, missing, or an odd option. */
import { NUMBER_TEXTS, pick, plainlyBadText, ZOO_SMALL, type FuzzCase, type Rng } from './values';

interface FlagSpec {
  flag: string;
  commands: readonly string[];
  kind: 'bits' | 'count' | 'count0' | 'fraction' | 'nonneg' | 'choice' | 'text';
  choices?: readonly string[];
}

/** Flags by what their value plainly is (independent of lrmp's own table). */
const FLAGS: readonly FlagSpec[] = [
  { flag: '--wbits', commands: ['analyze', 'simulate'], kind: 'bits' },
  { flag: '--abits', commands: ['analyze', 'simulate'], kind: 'bits' },
  { flag: '--replicas', commands: ['analyze', 'simulate'], kind: 'count' },
  { flag: '--images', commands: ['simulate'], kind: 'count' },
  { flag: '--workers', commands: ['optimize', 'sweep'], kind: 'count0' },
  { flag: '--top-k', commands: ['optimize'], kind: 'count' },
  { flag: '--seed', commands: ['optimize'], kind: 'count0' },
  { flag: '--episodes', commands: ['optimize'], kind: 'count' },
  { flag: '--mix-weight', commands: ['optimize'], kind: 'fraction' },
  { flag: '--accuracy-budget', commands: ['optimize'], kind: 'nonneg' },
  { flag: '--format', commands: ['analyze', 'simulate'], kind: 'choice', choices: ['table', 'json', 'csv'] },
  { flag: '--objective', commands: ['optimize'], kind: 'choice', choices: ['throughput', 'latency', 'mix'] },
  { flag: '--milp', commands: ['optimize'], kind: 'choice', choices: ['jslp', 'highs'] },
  { flag: '--network', commands: ['analyze', 'simulate', 'optimize'], kind: 'text' },
  { flag: '--arch', commands: ['analyze', 'simulate', 'optimize'], kind: 'text' },
];

function badFlagValue(spec: FlagSpec, text: string): boolean {
  if (spec.kind === 'choice') return !(spec.choices ?? []).includes(text);
  if (spec.kind === 'text') return !['lenet5-mnist', 'resnet20', 'vgg8', 'puma', 'isaac'].includes(text);
  if (plainlyBadText(text, spec.kind !== 'fraction' && spec.kind !== 'nonneg')) return true;
  const v = Number(text.trim());
  if (spec.kind === 'bits') return v < 1 || v > 16;
  if (spec.kind === 'count') return v < 1;
  if (spec.kind === 'fraction') return v > 1;
  return false;
}

export function cliOptionCase(rng: Rng, id: number): FuzzCase {
  const spec = pick(rng, FLAGS);
  const command = pick(rng, spec.commands);
  const base: string[] =
    command === 'optimize'
      ? ['optimize', '--episodes', '2', '--no-confirm', '--top-k', '1', '--out', '@opt.json']
      : command === 'sweep'
        ? ['sweep', '--vary', 'adc.bits=6,8', '--out', '@sweep.csv', '--workers', '0']
        : command === 'simulate'
          ? ['simulate', '--images', '1', '--format', 'json']
          : ['analyze', '--format', 'json'];
  const network = ['--network', pick(rng, ZOO_SMALL)];
  const valuePool = spec.kind === 'choice' ? [...(spec.choices ?? []), 'xml', '', 'JSON'] : spec.kind === 'text' ? ['lenet5-mnist', 'nope', '', 'a.txt', '/dev/null', '.', 'puma'] : NUMBER_TEXTS.map(([t]) => t);
  let value = pick(rng, valuePool);
  // A long but legitimate run (1e6 episodes, 10,000 images) is not a hang; the harness keeps cases cheap.
  const cost = Number(value.trim());
  if ((spec.flag === '--episodes' || spec.flag === '--images') && cost > 8 && cost <= 1e6) value = '3';
  const roll = rng();
  // The base already sets some flags: only these may be set again without being a repetition.
  const drop = (argv: string[], flag: string): string[] => {
    const at = argv.indexOf(flag);
    return at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 2)];
  };
  let argv = drop(drop(base, spec.flag), '--network');
  if (spec.flag !== '--network') argv.push(...network);
  let mustReject: boolean;
  let note: string;
  if (roll < 0.6) {
    argv.push(spec.flag, value);
    mustReject = badFlagValue(spec, value);
    note = `${command} ${spec.flag} ${JSON.stringify(value)}`;
  } else if (roll < 0.75) {
    const second = pick(rng, valuePool);
    argv.push(spec.flag, value, spec.flag, second);
    mustReject = true;
    note = `${spec.flag} given twice`;
  } else if (roll < 0.85) {
    argv.push(spec.flag);
    mustReject = spec.kind !== 'text' || spec.flag === '--network' || spec.flag === '--arch';
    note = `${spec.flag} without a value`;
  } else {
    argv.push(pick(rng, ['--bogus', '--wbit', '-z', '--images=0', '--set']), pick(rng, ['1', 'x=1', '']));
    note = `odd option ${argv[argv.length - 2]}`;
    mustReject = argv[argv.length - 2] !== '--images=0' || command === 'simulate';
    if (argv[argv.length - 2] === '--images=0' && command !== 'simulate') mustReject = true;
  }
  argv = argv.filter((a, i) => !(a === '' && i === 0));
  return { id, kind: 'cli-option', argv, files: [], mustReject, note };
}
