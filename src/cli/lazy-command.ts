// Commands loaded on use. Start-up is most of what `certrpc --version`, `--help` or `cert issue`
// costs, and loading every command's code (x509, grpc-js, YAML, zod...) for each was 7x `node -e 0`.
// A command table says how help lists each command; a command that is not run stays a stub, and
// commander itself picks the one to load: when it dispatches to a stub, that command is loaded and
// the same argv parsed again (so every spelling commander accepts, `help cert`, `cert help issue`...,
// reaches the real command, and nothing is parsed by hand).
import { Command, Help } from 'commander';

/** A command run with its own code: one line of its group's table. */
export interface LeafEntry {
  /** How its group's help lists it, as commander prints it: name, `[options]`, arguments (a test keeps them equal). */
  term: string;
  description: string;
  /** Builds it (a require() inside, so its code loads only here). */
  load: () => Command;
}

/** A group of commands (`cert`, `ca`...): built whenever its parent is (it is cheap), its verbs on use. */
export interface GroupEntry {
  name: string;
  description: string;
  verbs: readonly CommandEntry[];
}

export type CommandEntry = LeafEntry | GroupEntry;

/** One line of a table: `leaf('issue [options] <name>', 'issue a key...', () => require('./issue').certIssueCommand())`. */
export const leaf = (term: string, description: string, load: () => Command): LeafEntry => ({ term, description, load });

export const nameOf = (entry: CommandEntry): string => ('name' in entry ? entry.name : entry.term.split(' ')[0]);

/** Which leaf commands to build for real: all of them (the full program), or those named by path ("cert issue"). */
export type Loaded = 'all' | ReadonlySet<string>;

/** Thrown by a stub when commander dispatches to it: load `path`, parse again. */
export class NotLoaded extends Error {
  constructor(readonly path: string) {
    super(`certrpc: ${path} was not loaded`);
  }
}

/**
 * Stands in for a command not loaded: listed in help like it, and the moment commander runs it or
 * asks for its help (`certrpc help serve` calls the stub's help() directly), it asks for the real one.
 */
class StubCommand extends Command {
  constructor(
    entry: LeafEntry,
    readonly path: string,
  ) {
    super(nameOf(entry));
    // No help option and anything accepted: whatever follows it is the real command's to parse.
    this.description(entry.description).helpOption(false).allowUnknownOption().allowExcessArguments();
    this.action(() => {
      throw new NotLoaded(path);
    });
  }

  override helpInformation(): string {
    throw new NotLoaded(this.path);
  }
}

/** Adds a table's commands to `parent`: real ones for what `loaded` names, stubs for the rest. */
export function addCommands(parent: Command, entries: readonly CommandEntry[], loaded: Loaded, path: string[] = []): Command {
  const stubTerms = new Map<Command, string>();
  for (const entry of entries) {
    const here = [...path, nameOf(entry)];
    if ('verbs' in entry) {
      parent.addCommand(addCommands(new Command(entry.name).description(entry.description), entry.verbs, loaded, here));
    } else if (loaded === 'all' || loaded.has(here.join(' '))) {
      parent.addCommand(entry.load());
    } else {
      const cmd = new StubCommand(entry, here.join(' '));
      stubTerms.set(cmd, entry.term);
      parent.addCommand(cmd);
    }
  }
  if (stubTerms.size > 0) {
    parent.configureHelp({
      subcommandTerm(this: Help, cmd: Command): string {
        return stubTerms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
      },
    });
  }
  return parent;
}

/**
 * Parses argv with a program built by `build`: when commander reaches a stub, builds again with
 * that command loaded and parses again (at most once per level: group, then verb).
 */
export async function parseLazily(build: (loaded: Loaded) => Command, argv: string[]): Promise<void> {
  const loaded = new Set<string>();
  for (;;) {
    try {
      await build(loaded).parseAsync(argv);
      return;
    } catch (err) {
      if (!(err instanceof NotLoaded) || loaded.has(err.path)) throw err;
      loaded.add(err.path);
    }
  }
}
