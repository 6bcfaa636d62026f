import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/completion.js';
import { cli } from '../support/cli.js';

const zshAvailable = spawnSync('zsh', ['--version']).status === 0;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tl-completion-'));
}

async function writeScript(shell: 'bash' | 'zsh'): Promise<string> {
  const result = await cli(['completion', shell]);
  expect(result.code).toBe(0);
  const file = join(tempDir(), `threadline.${shell}`);
  writeFileSync(file, `${result.out}\n`);
  return file;
}

/** What bash offers for the last word of `words`, as the shell would after Tab. */
function bashComplete(script: string, words: string[], cwd = tempDir()): string[] {
  const result = spawnSync(
    'bash',
    [
      '--norc',
      '-c',
      'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _threadline; printf "%s\\n" "${COMPREPLY[@]}"',
      'bash',
      script,
      ...words,
    ],
    { cwd, encoding: 'utf8' },
  );
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean).sort();
}

describe('threadline completion bash', () => {
  let script: string;
  beforeAll(async () => {
    script = await writeScript('bash');
  });

  it('completes the commands, and the subcommands of a command group', () => {
    expect(bashComplete(script, ['threadline', ''])).toEqual(
      ['chat', 'commands', 'completion', 'dlq', 'help', 'manifests', 'notify', 'serve', 'validate'].sort(),
    );
    expect(bashComplete(script, ['threadline', 'dlq', ''])).toEqual(['help', 'list', 'replay']);
    expect(bashComplete(script, ['threadline', 'help', 'ma'])).toEqual(['manifests']);
  });

  it("completes a command's options, skipping the values already given", () => {
    expect(bashComplete(script, ['threadline', 'notify', '--ev'])).toEqual(['--event']);
    expect(bashComplete(script, ['threadline', 'notify', '--config', 'dlq', '--di'])).toEqual(['--direct']);
    expect(bashComplete(script, ['threadline', 'notify', '--config', 'dlq', ''])).toEqual([]);
  });

  it('completes choices, event names and the shells', () => {
    expect(bashComplete(script, ['threadline', 'serve', '--role', ''])).toEqual(['all', 'ingress', 'worker']);
    expect(bashComplete(script, ['threadline', 'commands', 'register', '--platform', ''])).toEqual([
      'discord',
    ]);
    expect(bashComplete(script, ['threadline', 'notify', '-e', 'implementation_'])).toEqual([
      'implementation_completed',
      'implementation_failed',
      'implementation_started',
    ]);
    expect(bashComplete(script, ['threadline', 'completion', ''])).toEqual(['bash', 'zsh']);
  });

  it('completes file names for --config, also written --config=FILE', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'specs.config.yaml'), '');
    writeFileSync(join(cwd, 'notes.txt'), '');
    expect(bashComplete(script, ['threadline', 'validate', '--config', 'spe'], cwd)).toEqual([
      'specs.config.yaml',
    ]);
    expect(bashComplete(script, ['threadline', 'validate', '--config', '=', 'spe'], cwd)).toEqual([
      'specs.config.yaml',
    ]);
  });

  it('follows the program: a command added to it is completed without touching the generator', () => {
    const program = new Command('threadline');
    program.command('deploy').option('--target <dir>', 'where to');
    const file = join(tempDir(), 'demo.bash');
    writeFileSync(file, completionScript(program, 'bash'));
    expect(bashComplete(file, ['threadline', 'de'])).toEqual(['deploy']);
    expect(bashComplete(file, ['threadline', 'deploy', '--t'])).toEqual(['--target']);
  });
});

describe('threadline completion zsh', () => {
  it('prints a script zsh can autoload (#compdef) and source', async () => {
    const result = await cli(['completion', 'zsh']);
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe('#compdef threadline');
    expect(result.out).toContain(
      "'(-c --config)'{-c,--config}'[config file (specs.config.yaml)]:file:_files'",
    );
    expect(result.out).toContain("'1:shell:(bash zsh)'");
  });

  it.runIf(zshAvailable)(
    'offers the commands, subcommands, options and choices when Tab is pressed',
    async () => {
      const script = await writeScript('zsh');
      const result = spawnSync(
        'zsh',
        [
          '-f',
          resolve('test/cli/zsh-complete.zsh'),
          script,
          'threadline dlq ',
          'threadline notify --event implementation_f',
          'threadline serve --r',
          'threadline completion ',
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.status).toBe(0);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what zsh prints
      const shown = result.stdout.replace(/\x1b\[[0-9;?]*[a-zA-Z]|\r/g, '');
      const steps = shown.split(/^=== /m).slice(1);
      expect(steps).toHaveLength(4);
      expect(steps[0]).toMatch(/list\s+-- list dead letters with their last error/);
      expect(steps[0]).toMatch(/replay\s+-- send dead letters again/);
      expect(steps[1]).toContain('threadline notify --event implementation_failed');
      expect(steps[2]).toContain('threadline serve --role');
      expect(steps[3]).toMatch(/bash\s+zsh/);
    },
    90_000,
  );
});
