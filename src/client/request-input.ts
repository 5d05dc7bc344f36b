// Where request messages come from: `-d '{...}'`, `-d @file`, `-d @-` (stdin). Unary and
// server-streaming calls take one JSON document; client and bidi streams take NDJSON, one message
// per line, read as it arrives so a bidi call can be driven line by line.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { PkiError } from '../pki/errors';
import { readUserFile } from '../store/read-file';

export interface JsonRequest {
  value: unknown;
  /** For messages: "-d line 3", "stdin line 1". */
  where: string;
}

function describeSource(data: string): string {
  return data === '@-' ? 'stdin' : data.startsWith('@') ? data.slice(1) : '-d';
}

async function* linesOf(data: string, stdin: Readable): AsyncGenerator<string> {
  if (data === '@-') {
    yield* createInterface({ input: stdin, crlfDelay: Infinity });
    return;
  }
  const text = data.startsWith('@') ? readUserFile(data.slice(1), 'request data file', 'data') : data;
  yield* text.split(/\r?\n/);
}

function parseLine(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PkiError(`${where} is not JSON: ${(err as Error).message}`, {
      option: 'data',
      fix: 'give one JSON object per line (NDJSON) for streams, e.g. {"key":"a"}; a unary request may span lines',
    });
  }
}

/** Stream requests: every non-empty line is one JSON message, yielded as soon as it is read. */
export async function* streamRequests(data: string | undefined, stdin: Readable): AsyncGenerator<JsonRequest> {
  if (data === undefined) return;
  const source = describeSource(data);
  let n = 0;
  for await (const line of linesOf(data, stdin)) {
    n++;
    if (line.trim() === '') continue;
    const where = `${source} line ${n}`;
    yield { value: parseLine(line, where), where };
  }
}

/**
 * The one request of a unary or server-streaming call: the whole input as one JSON document
 * (pretty-printed is fine), or a single NDJSON line; no input means the empty message {}.
 */
export async function singleRequest(data: string | undefined, stdin: Readable): Promise<JsonRequest> {
  if (data === undefined) return { value: {}, where: 'the empty request' };
  const source = describeSource(data);
  const lines: string[] = [];
  for await (const line of linesOf(data, stdin)) lines.push(line);
  const text = lines.join('\n').trim();
  if (text === '') return { value: {}, where: `${source} (empty: the empty request)` };
  try {
    return { value: JSON.parse(text), where: source };
  } catch {
    const messages = lines.filter((l) => l.trim() !== '');
    if (messages.length > 1 && messages.every((l) => isJson(l))) {
      throw new PkiError(`${source} holds ${messages.length} messages, but this method takes exactly one request`, {
        option: 'data',
        fix: 'send one JSON object; only client- and bidi-streaming methods take one message per line',
      });
    }
    return { value: parseLine(text, source), where: source };
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
