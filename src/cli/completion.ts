import type { Argument, Command, Option } from 'commander';

/*
 * Shell completion generated from the commander program itself, so a new command or option is
 * completed without touching this file. commander has no generator of its own, and the small
 * packages that add one either target an older commander or want a runtime hook in every shell
 * start; two static scripts are less to trust.
 */

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** Extra values for options without `.choices()`, by long flag (e.g. `--event`: the event names). */
export type ValueHints = Readonly<Record<string, readonly string[]>>;

/** `name` is what the value is called in help (`<file>`, `<shell>`), shown by zsh. */
type Completion = { name: string } & (
  | { kind: 'file' }
  | { kind: 'dir' }
  | { kind: 'words'; words: readonly string[] }
  | { kind: 'any' }
);

interface OptionSpec {
  flags: string[];
  description: string;
  /** Undefined for a switch. */
  value?: Completion;
  repeatable: boolean;
}

interface ArgumentSpec {
  name: string;
  required: boolean;
  value: Completion;
}

interface CommandSpec {
  /** Words after the program name, e.g. `['dlq', 'replay']`. */
  path: string[];
  description: string;
  options: OptionSpec[];
  args: ArgumentSpec[];
  subcommands: CommandSpec[];
}

export function completionScript(program: Command, shell: CompletionShell, hints: ValueHints = {}): string {
  const root = describeCommand(program, [], hints);
  return shell === 'bash' ? bashScript(program.name(), root) : zshScript(program.name(), root);
}

function describeCommand(command: Command, path: string[], hints: ValueHints): CommandSpec {
  const subcommands = command.commands.map((sub) => describeCommand(sub, [...path, sub.name()], hints));
  if (subcommands.length > 0) {
    // commander adds `help [command]` to every command that has subcommands.
    subcommands.push({
      path: [...path, 'help'],
      description: 'display help for command',
      options: [helpOption()],
      args: [
        {
          name: 'command',
          required: false,
          value: { name: 'command', kind: 'words', words: subcommands.map(lastWord) },
        },
      ],
      subcommands: [],
    });
  }
  return {
    path,
    description: command.description(),
    options: [...command.options.map((option) => describeOption(option, hints)), helpOption()],
    args: command.registeredArguments.map(describeArgument),
    subcommands,
  };
}

function describeOption(option: Option, hints: ValueHints): OptionSpec {
  const flags = [option.short, option.long].filter((flag): flag is string => flag !== undefined);
  const takesValue = option.required || option.optional;
  return {
    flags,
    description: option.description,
    value: takesValue
      ? valueCompletion(option.flags, option.argChoices ?? hints[option.long ?? ''])
      : undefined,
    repeatable: option.variadic,
  };
}

function describeArgument(argument: Argument): ArgumentSpec {
  return {
    name: argument.name(),
    required: argument.required,
    value: argument.argChoices
      ? { name: argument.name(), kind: 'words', words: argument.argChoices }
      : { name: argument.name(), kind: 'any' },
  };
}

/** Choices win; otherwise the placeholder in the flags says what is typed: `<file>`, `<dir>`… */
function valueCompletion(flags: string, words: readonly string[] | undefined): Completion {
  const name = /[<[]([\w-]+)(?:\.\.\.)?[>\]]/.exec(flags)?.[1] ?? 'value';
  if (words) return { name, kind: 'words', words };
  if (name === 'file') return { name, kind: 'file' };
  if (name === 'dir') return { name, kind: 'dir' };
  return { name, kind: 'any' };
}

function helpOption(): OptionSpec {
  return { flags: ['-h', '--help'], description: 'display help for command', repeatable: false };
}

function lastWord(command: CommandSpec): string {
  return command.path.at(-1) ?? '';
}

function allSpecs(command: CommandSpec): CommandSpec[] {
  return [command, ...command.subcommands.flatMap(allSpecs)];
}

// ---------------------------------------------------------------- bash

function bashQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How a value is completed, as the one word the generated functions pass around. */
function bashKind(value: Completion): string {
  return value.kind === 'words' ? `words ${value.words.join(' ')}` : value.kind;
}

function bashScript(name: string, root: CommandSpec): string {
  const fn = `_${identifier(name)}`;
  const specs = allSpecs(root);
  const cases = (lines: string[]) => lines.map((line) => `    ${line}`).join('\n');
  const subcommandCases = specs
    .filter((spec) => spec.subcommands.length > 0)
    .map(
      (spec) =>
        `${bashQuote(spec.path.join(' '))}) echo ${bashQuote(spec.subcommands.map(lastWord).join(' '))} ;;`,
    );
  const optionCases = specs.map(
    (spec) =>
      `${bashQuote(spec.path.join(' '))}) echo ${bashQuote(spec.options.flatMap((o) => o.flags).join(' '))} ;;`,
  );
  const valueCases = specs.flatMap((spec) =>
    spec.options
      .filter((option) => option.value)
      .map(
        (option) =>
          `${option.flags.map((flag) => bashQuote(`${spec.path.join(' ')}|${flag}`)).join('|')}) echo ${bashQuote(bashKind(option.value!))} ;;`,
      ),
  );
  const argumentCases = specs.flatMap((spec) =>
    spec.args.map(
      (arg, index) =>
        `${bashQuote(`${spec.path.join(' ')}|${index}`)}) echo ${bashQuote(bashKind(arg.value))} ;;`,
    ),
  );
  return `# bash completion for ${name}, generated by \`${name} completion bash\` (see docs/cli.md)

# The subcommands of command "$1" (words after the program name, space-separated).
${fn}_subcommands() {
  case "$1" in
${cases(subcommandCases)}
  esac
}

# The options of command "$1".
${fn}_options() {
  case "$1" in
${cases(optionCases)}
  esac
}

# How the value of option "$2" of command "$1" is completed; nothing when it is a switch.
${fn}_value() {
  case "$1|$2" in
${cases(valueCases)}
  esac
}

# How positional argument "$2" (from 0) of command "$1" is completed.
${fn}_argument() {
  case "$1|$2" in
${cases(argumentCases)}
  esac
}

${fn}_complete_value() {
  case "$2" in
    file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$1")) ;;
    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$1")) ;;
    words\\ *) COMPREPLY=($(compgen -W "\${2#words }" -- "$1")) ;;
    *) COMPREPLY=() ;;
  esac
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path='' word kind='' i positional=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    # "--config=FILE" reaches us as three words: --config, =, FILE.
    if [[ "$word" == '=' ]]; then continue; fi
    if [[ -n "$kind" ]]; then kind=''; continue; fi
    if [[ "$word" == -* ]]; then kind="$(${fn}_value "$path" "$word")"; continue; fi
    if [[ " $(${fn}_subcommands "$path") " == *" $word "* ]]; then
      path="\${path:+$path }$word"
      positional=0
    else
      positional=$((positional + 1))
    fi
  done
  if [[ "$cur" == '=' ]]; then cur=''; fi
  if [[ -n "$kind" ]]; then
    ${fn}_complete_value "$cur" "$kind"
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_options "$path")" -- "$cur"))
  elif [[ -n "$(${fn}_subcommands "$path")" ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_subcommands "$path")" -- "$cur"))
  else
    ${fn}_complete_value "$cur" "$(${fn}_argument "$path" "$positional")"
  fi
}

complete -F ${fn} ${name}
`;
}

// ---------------------------------------------------------------- zsh

function identifier(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_');
}

function zshQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Text inside an `_arguments` spec: brackets and colons would end the field they are in. */
function zshSpecText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/([[\]:])/g, '\\$1');
}

function zshAction(value: Completion): string {
  if (value.kind === 'file') return '_files';
  if (value.kind === 'dir') return '_files -/';
  if (value.kind === 'words') return `(${value.words.join(' ')})`;
  return ' ';
}

function zshOptionSpec(option: OptionSpec): string {
  const description = `[${zshSpecText(option.description)}]`;
  const value = option.value ? `:${zshSpecText(option.value.name)}:${zshAction(option.value)}` : '';
  const repeat = option.repeatable ? '*' : '';
  if (option.flags.length === 1) return zshQuote(`${repeat}${option.flags[0]}${description}${value}`);
  const exclusions = option.repeatable ? '' : zshQuote(`(${option.flags.join(' ')})`);
  return `${exclusions}${repeat ? zshQuote(repeat) : ''}{${option.flags.join(',')}}${zshQuote(`${description}${value}`)}`;
}

function zshArgumentSpec(arg: ArgumentSpec, index: number): string {
  const optional = arg.required ? '' : ':';
  return zshQuote(`${index + 1}:${optional}${zshSpecText(arg.name)}:${zshAction(arg.value)}`);
}

function zshFunction(name: string, spec: CommandSpec): string {
  const fn = `_${identifier([name, ...spec.path].join('_'))}`;
  const optionSpecs = spec.options.map(zshOptionSpec);
  if (spec.subcommands.length === 0) {
    const lines = [...optionSpecs, ...spec.args.map(zshArgumentSpec)];
    return `${fn}() {\n  _arguments -s \\\n    ${lines.join(' \\\n    ')}\n}\n`;
  }
  const described = spec.subcommands.map((sub) =>
    zshQuote(`${lastWord(sub)}:${sub.description.replace(/\n/g, ' ')}`),
  );
  const dispatch = spec.subcommands.map(
    (sub) => `        ${lastWord(sub)}) _${identifier([name, ...sub.path].join('_'))} ;;`,
  );
  const title = [name, ...spec.path, 'command'].join(' ');
  return `${fn}() {
  local context state state_descr line
  typeset -A opt_args
  _arguments -C -s \\
    ${[...optionSpecs, "'1: :->command'", "'*:: :->argument'"].join(' \\\n    ')}
  case $state in
    command)
      local -a commands=(
        ${described.join('\n        ')}
      )
      _describe -t commands ${zshQuote(title)} commands
      ;;
    argument)
      case $line[1] in
${dispatch.join('\n')}
      esac
      ;;
  esac
}
`;
}

function zshScript(name: string, root: CommandSpec): string {
  const fn = `_${identifier(name)}`;
  return `#compdef ${name}
# zsh completion for ${name}, generated by \`${name} completion zsh\` (see docs/cli.md)

${allSpecs(root)
  .map((spec) => zshFunction(name, spec))
  .join('\n')}
# Autoloaded from $fpath this file is the body of ${fn}; sourced, it registers ${fn}.
if [ "$funcstack[1]" = "${fn}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${name}
fi
`;
}
