/**
 * A command line yargs rejects (a required option or argument missing, an unknown option or command) becomes one
 * short paragraph: what is wrong and where the options are listed. yargs' own handler would print the whole help
 * after its message, burying the one line that matters under a screen of options.
 */

/** A command's name and its positional arguments, as declared (`import <file>`). */
export interface CommandSignature {
  name: string;
  positionals: readonly string[];
}

const flag = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);
const list = (items: readonly string[]): string => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`);

/** The first word of the command line that names a command, if any. */
function commandOf(argv: readonly string[], commands: readonly CommandSignature[]): CommandSignature | undefined {
  const word = argv.find((a) => !a.startsWith('-'));
  return commands.find((c) => c.name === word);
}

/** Whether `name` was typed as an option (`--name`, `--name=v`, `-n`). */
const typedAsOption = (argv: readonly string[], name: string): boolean => argv.some((a) => a === flag(name) || a.startsWith(`${flag(name)}=`) || a === `--${name}`);

/**
 * The paragraph (starting 'lrmp: ', ending with a newline) for yargs' validation `message` about `argv`.
 * Messages this does not recognise are kept as they are, with the pointer to the help.
 */
export function usageError(message: string, argv: readonly string[], commands: readonly CommandSignature[]): string {
  const command = commandOf(argv, commands);
  const help = command === undefined ? "see 'lrmp --help' for the commands" : `see 'lrmp ${command.name} --help' for its options`;
  const usage = command === undefined ? '' : `usage: lrmp ${[command.name, ...command.positionals.map((p) => `<${p}>`)].join(' ')} [options]`;
  const names = (text: string): string[] => text.split(', ').filter((n) => n !== '');
  let text: string;
  let m: RegExpExecArray | null;
  if ((m = /^Missing required arguments?: (.*)$/.exec(message)) !== null) {
    const missing = names(m[1] ?? '');
    text = `${command?.name ?? 'this command'} needs ${list(missing.map(flag))}, which ${missing.length === 1 ? 'is' : 'are'} missing; ${help}`;
  } else if ((m = /^Unknown arguments?: (.*)$/.exec(message)) !== null) {
    const unknown = names(m[1] ?? '');
    const options = unknown.filter((n) => typedAsOption(argv, n));
    const words = unknown.filter((n) => !typedAsOption(argv, n));
    if (command === undefined && words.length > 0) {
      text = `'${words[0] ?? ''}' is not a command; the commands: ${commands.map((c) => c.name).join(', ')}; ${help}`;
    } else {
      const parts: string[] = [];
      if (options.length > 0) parts.push(`${list(options.map((n) => `'${flag(n)}'`))} ${options.length === 1 ? 'is not an option' : 'are not options'} of ${command?.name ?? 'lrmp'}`);
      if (words.length > 0) parts.push(`${list(words.map((w) => `'${w}'`))}: unexpected ${words.length === 1 ? 'argument' : 'arguments'} (options start with --${usage === '' ? '' : `; ${usage}`})`);
      text = `${parts.join('; ')}; ${help}`;
    }
  } else if (/^Not enough non-option arguments/.test(message) && command !== undefined) {
    text = `${command.name} needs ${list(command.positionals.map((p) => `<${p}>`))}; ${usage}; ${help}`;
  } else if (/^Too many non-option arguments/.test(message) && command !== undefined) {
    text = `too many arguments for ${command.name}; ${usage}; ${help}`;
  } else if (command === undefined && argv.every((a) => a.startsWith('-'))) {
    text = `name a command: ${commands.map((c) => c.name).join(', ')}; ${help}`;
  } else {
    text = `${message.replace(/[.]$/, '')}; ${help}`;
  }
  return `lrmp: ${text}.\n`;
}
