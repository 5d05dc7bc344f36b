// The command tables (src/cli/commands.ts, each group's index.ts) stand in for commands that are not
// loaded: help must read the same either way, and every way commander reaches a command must
// reach the real one (lazy-command.ts). In process for the help text, child processes for dispatch.
import { Command, Help } from 'commander';
import { COMMANDS } from '../../src/cli/commands';
import { CommandEntry, LeafEntry, nameOf } from '../../src/cli/lazy-command';
import { buildProgram } from '../../src/cli/main';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

function leafEntries(entries: readonly CommandEntry[], path: string[] = []): { path: string; entry: LeafEntry }[] {
  return entries.flatMap((e) =>
    'verbs' in e ? leafEntries(e.verbs, [...path, e.name]) : [{ path: [...path, nameOf(e)].join(' '), entry: e }],
  );
}

function helpOf(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

function find(program: Command, path: string[]): Command {
  return path.reduce((cmd, name) => cmd.commands.find((c) => c.name() === name)!, program);
}

describe('lazy command tables', () => {
  const leaves = leafEntries(COMMANDS);

  it('list every command', () => {
    expect(leaves.length).toBeGreaterThan(25);
    expect(leaves.map((l) => l.path)).toEqual(
      expect.arrayContaining(['cert issue', 'cert csr', 'cert needs-renewal', 'ca serve', 'agent', 'call', 'doctor']),
    );
  });

  it.each(leaves.map((l) => [l.path, l.entry] as const))('%s: its line is what the loaded command says of itself', (_path, entry) => {
    const cmd = entry.load();
    expect(entry.term).toBe(new Help().subcommandTerm(cmd));
    expect(entry.description).toBe(cmd.description());
    expect(nameOf(entry)).toBe(cmd.name());
  });

  it('help with nothing loaded reads exactly as with everything loaded, at the top and for each group', () => {
    const lazy = buildProgram(new Set());
    const full = buildProgram('all');
    expect(helpOf(lazy)).toBe(helpOf(full));
    for (const group of COMMANDS.filter((e) => 'verbs' in e)) {
      expect(helpOf(find(lazy, [nameOf(group)]))).toBe(helpOf(find(full, [nameOf(group)])));
    }
    expect(helpOf(lazy)).toMatch(/\n {2}cert +issue, request/);
  });

  it('a stub never answers for the real command: its help and its action ask for it', () => {
    const lazy = buildProgram(new Set());
    expect(() => find(lazy, ['cert', 'issue']).helpInformation()).toThrow(/cert issue was not loaded/);
  });

  describe('the CLI reaches the real command by every spelling', () => {
    it.each([[['cert', 'issue', '--help']], [['cert', 'help', 'issue']]])("certrpc %s prints cert issue's full help", async (args) => {
      const r = await runCli(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: certrpc cert issue \[options\] <name>/);
      expect(r.stdout).toMatch(/--key-type/);
      expect(r.stdout).toMatch(/\nExamples:\n/);
    });

    it('certrpc help cert prints the group with every verb (commander reads `help cert issue` as this too)', async () => {
      const r = await runCli(['help', 'cert']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: certrpc cert \[options\] \[command\]/);
      expect(r.stdout).toMatch(/\n {2}issue \[options\] <name> +issue a key/);
      expect(r.stdout).toMatch(/\n {2}needs-renewal \[options\] <file> +exit 0/);
    });

    it('certrpc help serve and certrpc call --help print the real pages', async () => {
      const serve = await runCli(['help', 'serve']);
      expect(serve.code).toBe(0);
      expect(serve.stdout).toMatch(/^Usage: certrpc serve \[options\]/);
      expect(serve.stdout).toMatch(/--port/);
      const call = await runCli(['call', '--help']);
      expect(call.code).toBe(0);
      expect(call.stdout).toMatch(/^Usage: certrpc call \[options\] <address> <method>/);
      expect(call.stdout).toMatch(/--max-msg-sz/);
    });

    it('a loaded verb parses its own options and runs: cert issue after pki init', async () => {
      const { dir, cleanup } = tempDir();
      try {
        expect((await runCli(['pki', 'init', '--dir', dir])).code).toBe(0);
        const r = await runCli(['cert', 'issue', 'carol', '--client', '--days', '2', '--dir', dir]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/issued client certificate "CN=carol"/);
      } finally {
        cleanup();
      }
    });

    it('usage errors still come from the real command: unknown option, missing argument, unknown verb', async () => {
      const unknownOption = await runCli(['cert', 'issue', 'carol', '--no-such-flag']);
      expect(unknownOption.code).toBe(2);
      expect(unknownOption.stderr).toMatch(/unknown option '--no-such-flag'/);
      const missing = await runCli(['cert', 'issue']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/missing required argument 'name'/);
      const verb = await runCli(['cert', 'isue']);
      expect(verb.code).toBe(2);
      expect(verb.stderr).toMatch(/unknown command 'isue'[\s\S]*issue/);
    });
  });
});
