// What every `feedin` command shares (issue 11 item 19): `--help` answered from the command's own
// `help` export before it runs, and every failure turned into ONE line on standard error with the
// documented exit code (docs/cli.md). Commands throw; main.ts calls failureOf() once.
import { ChainError } from '@feedin/contracts/chain-error';
import { CliError } from './cli-error.js';

/** Exit codes (docs/cli.md "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** a check failed, the input is invalid (e.g. a bad signature), or the chain refused the action */
  failed: 1,
  /** usage error or unusable input: unknown command or option, bad value, not an audit bundle */
  usage: 2,
  /** the chain, the sandbox or a system resource (a port in use, a file) is unavailable, or a
   * transaction's outcome is unknown: retrying or fixing the environment may help */
  unavailable: 3,
  /** a defect in feedin itself: the one line says so; FEEDIN_DEBUG=1 prints the stack */
  internal: 4,
} as const;

/** A command's help: `usage` for `feedin <command> --help`, and one text per verb for
 * `feedin <command> <verb> --help` where the command has verbs. */
export interface CommandHelp {
  usage: string;
  verbs?: Record<string, string>;
}

/** `--help` / `-h` anywhere before a `--` (after it, everything is an operand). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The help text for `argv` (the arguments after the command name). */
export function helpFor(help: CommandHelp, argv: readonly string[]): string {
  const verb = argv[0];
  return (verb !== undefined && help.verbs?.[verb]) || help.usage;
}

/** Which command the user ran, for messages: `feedin meter suspend`. */
export function commandName(name: string, argv: readonly string[], help?: CommandHelp): string {
  const verb = argv[0];
  return verb !== undefined && help?.verbs?.[verb] ? `feedin ${name} ${verb}` : `feedin ${name}`;
}

/** One line and an exit code for anything a command throws. */
export function failureOf(error: unknown, command: string): { line: string; exitCode: number; stack?: string } {
  if (error instanceof CliError) return { line: `feedin: ${error.message}`, exitCode: error.exitCode };
  const parse = parseArgsProblem(error);
  if (parse) return { line: `feedin: ${parse} (see '${command} --help')`, exitCode: EXIT.usage };
  if (error instanceof ChainError) {
    if (error.refusal) return { line: `feedin: the chain refused: ${error.refusal.message}`, exitCode: EXIT.failed };
    if (error.code === 'reverted') return { line: `feedin: the chain refused: ${firstLine(error.message)}`, exitCode: EXIT.failed };
    return { line: `feedin: the chain ${error.code === 'unreachable' ? 'cannot be reached' : 'did not answer in time or the outcome is unknown'}: ${firstLine(error.message)}`, exitCode: EXIT.unavailable };
  }
  const message = error instanceof Error ? error.message : String(error);
  // A system call that failed (EADDRINUSE, EACCES, ENOSPC…): the environment, not feedin.
  if (typeof (error as { syscall?: unknown } | null)?.syscall === 'string') return { line: `feedin: ${firstLine(message)}`, exitCode: EXIT.unavailable };
  return { line: `feedin: internal error: ${firstLine(message)} (FEEDIN_DEBUG=1 shows where)`, exitCode: EXIT.internal, ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) };
}

/** node:util parseArgs failures (strict mode) in a few words, or undefined for other errors. */
function parseArgsProblem(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const message = (error as Error).message;
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${quoted ?? '?'}'`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument '${quoted ?? '?'}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /Option '(-[^\s']+)/.exec(message)?.[1];
    return option && /argument missing/.test(message) ? `${option} needs a value` : firstLine(message).replace(/\.$/, '');
  }
  return firstLine(message);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

/** The one-line usage error for a missing or unknown verb (`feedin meter frobnicate`). */
export function verbError(command: string, verb: string | undefined, help: CommandHelp): CliError {
  const verbs = Object.keys(help.verbs ?? {}).join('|');
  return new CliError(
    verb === undefined ? `which ${command} command? ${verbs} (see 'feedin ${command} --help')` : `unknown ${command} command '${verb}': one of ${verbs} (see 'feedin ${command} --help')`,
  );
}
