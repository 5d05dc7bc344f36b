// Every certrpc command's --help has the same shape (src/cli/help.ts withHelp): usage, then
// examples of that very command, then its exit codes. Read from the real program, in process.
import { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';

function leaves(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  const here = [...path, cmd.name()];
  return cmd.commands.length === 0 ? [{ path: here.join(' '), cmd }] : cmd.commands.flatMap((sub) => leaves(sub, here));
}

function helpOf(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

describe('--help pages', () => {
  // main.ts's program holds every command, the calling verbs (rpc/) included.
  const commands = leaves(buildProgram());

  it('cover every command', () => {
    expect(commands.length).toBeGreaterThan(20);
    expect(commands.map((c) => c.path)).toEqual(
      expect.arrayContaining([
        'certrpc cert csr',
        'certrpc cert needs-renewal',
        'certrpc cert inspect',
        'certrpc cert sign',
        'certrpc cert list',
        'certrpc call',
      ]),
    );
  });

  it.each(leaves(buildProgram()).map((c) => [c.path]))('%s: usage, examples of itself, exit codes', (path) => {
    const { cmd } = commands.find((c) => c.path === path)!;
    const help = helpOf(cmd);
    expect(help).toMatch(new RegExp(`^Usage: ${path} `));
    const examples = /\nExamples:\n((?: {2}\$ .*\n)+)/.exec(help);
    expect(examples).not.toBeNull();
    expect(examples![1].split('\n').some((line) => line.startsWith(`  $ ${path}`))).toBe(true);
    expect(help).toMatch(/\nExit codes[^\n]*:\n {2}0 +\S/);
  });
});
