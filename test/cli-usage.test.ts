/**
 * A command line yargs rejects (missing required option or argument, unknown option or command) prints one
 * paragraph naming what is wrong and where the help is, exit 2, and not the whole help after it.
 */
import { spawnSync } from 'node:child_process';
import { CLI } from './helpers/run-cli';
import { runCliInProcess } from '../scripts/cli-run';
import { COMMANDS } from '../scripts/cli';

async function usage(...argv: string[]): Promise<string> {
  const r = await runCliInProcess(argv);
  expect(r.escaped).toBeUndefined();
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  // One paragraph: a single line, no option table.
  expect(r.stderr).toMatch(/^lrmp: [^\n]+\.\n$/);
  expect(r.stderr).not.toMatch(/Options:|\[boolean\]|\[string\]/);
  return r.stderr;
}

test('missing required options name each flag and the command help', async () => {
  expect(await usage('sweep', '--network', 'lenet5-mnist')).toBe("lrmp: sweep needs --vary and --out, which are missing; see 'lrmp sweep --help' for its options.\n");
  expect(await usage('sweep', '--vary', 'adc.bits=6,8')).toBe("lrmp: sweep needs --out, which is missing; see 'lrmp sweep --help' for its options.\n");
  expect(await usage('import', 'net.onnx')).toBe("lrmp: import needs --out, which is missing; see 'lrmp import --help' for its options.\n");
});

test('a missing or extra positional argument shows the usage line', async () => {
  expect(await usage('import')).toBe("lrmp: import needs <file>; usage: lrmp import <file> [options]; see 'lrmp import --help' for its options.\n");
  expect(await usage('import', 'a.onnx', 'b.onnx', '--out', 'x.json')).toMatch(/'b\.onnx': unexpected argument .*usage: lrmp import <file> \[options\]/);
});

test('unknown options and commands', async () => {
  expect(await usage('analyze', '--bogus', '--other')).toBe("lrmp: '--bogus' and '--other' are not options of analyze; see 'lrmp analyze --help' for its options.\n");
  expect(await usage('analyze', '-z')).toMatch(/'-z' is not an option of analyze/);
  expect(await usage('analyse')).toMatch(/^lrmp: 'analyse' is not a command; the commands: analyze, simulate, .*; see 'lrmp --help'/);
  expect(await usage()).toMatch(/^lrmp: name a command: analyze, /);
});

test('COMMANDS lists exactly the commands of lrmp --help, with their positionals', async () => {
  const help = (await runCliInProcess(['--help'])).stdout;
  const listed = [...help.matchAll(/^ {2}lrmp ([a-z]+)((?: <[a-z]+>)*)/gm)].map((m) => `${m[1] ?? ''}${m[2] ?? ''}`);
  expect(listed).toEqual(COMMANDS.map((c) => [c.name, ...c.positionals.map((p) => `<${p}>`)].join(' ')));
});

test('the real process exits 2 with the one line on stderr', () => {
  const r = spawnSync(process.execPath, [CLI, 'sweep'], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe("lrmp: sweep needs --vary and --out, which are missing; see 'lrmp sweep --help' for its options.\n");
});

test("optimize --help gives the budget range the command checks (from the baseline's tiles, not from 1)", async () => {
  const help = (await runCliInProcess(['optimize', '--help'])).stdout.replace(/\s+/g, ' ');
  expect(help).toContain("--tiles area budget in tiles (default: the 8/8-bit r=1 baseline's tiles, iso-area); an integer from the baseline's tiles to the chip's");
  expect(help).toContain("--area-mm2 area budget in mm2; at least the baseline's chip area (mm2)");
});
