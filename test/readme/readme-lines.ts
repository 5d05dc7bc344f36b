// The shell lines of a Markdown file's ```sh blocks, as a reader pastes them, with what the README
// says about each in its comment (the conventions README.md states under "Quick start"):
//   (example: WHY)   not run: it needs another host or files of the reader's own
//   (keeps running)  a server (or stream) that runs until Ctrl-C: started in the background;
//                    "(keeps running until X)": one that a later line ends (e.g. by revoking it)
//   ...: exit N      the exit code to expect (the comment ends with it); otherwise 0

export interface ReadmeLine {
  /** 1-based line number in the Markdown file (of the first line, for a continued one). */
  lineNo: number;
  /** The command as pasted: continuation lines joined, the comment included. */
  text: string;
  /** The comment (after the first unquoted " #"), or ''. */
  comment: string;
  kind: 'run' | 'background' | 'example';
  /** A background line that must still run at the end: "(keeps running)", not "(keeps running until ...)". */
  outlives: boolean;
  expectedExit: number;
}

/** Where the comment starts: the first `#` after whitespace, outside quotes; -1 when none. */
export function commentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return i;
  }
  return -1;
}

export function readmeLines(markdown: string): ReadmeLine[] {
  const lines = markdown.split('\n');
  const out: ReadmeLine[] = [];
  let inSh = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (/^```/.test(raw)) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(raw);
      continue;
    }
    if (!inSh || raw.trim() === '' || raw.trim().startsWith('#')) continue;
    const lineNo = i + 1;
    let text = raw;
    while (/\\$/.test(text) && commentStart(text) < 0 && i + 1 < lines.length) text = `${text.slice(0, -1)}${lines[++i]}`;
    const at = commentStart(text);
    const comment = at < 0 ? '' : text.slice(at + 1).trim();
    const exit = /\bexit (\d+)$/.exec(comment);
    out.push({
      lineNo,
      text,
      comment,
      kind: comment.includes('(example:') ? 'example' : comment.includes('(keeps running') ? 'background' : 'run',
      outlives: comment.includes('(keeps running)'),
      expectedExit: exit ? Number(exit[1]) : 0,
    });
  }
  return out;
}
