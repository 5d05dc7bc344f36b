// Request messages in the protobuf text format (`--format text`), read as grpcurl reads them:
// messages are separated by the ASCII record separator 0x1E (text-format messages span lines, so
// lines cannot separate them). A stream's records are handed on as each separator arrives, so a
// bidi call can be driven from a pipe.
import type { Readable } from 'node:stream';
import { PkiError } from '../pki/errors';
import { readUserFile } from '../store/read-file';

export const RECORD_SEPARATOR = '\x1e';

export interface TextRequest {
  text: string;
  /** For messages: "-d", "stdin record 2". */
  where: string;
}

function sourceName(data: string): string {
  return data === '@-' ? 'stdin' : data.startsWith('@') ? data.slice(1) : '-d';
}

async function* chunksOf(data: string, stdin: Readable): AsyncGenerator<string> {
  if (data !== '@-') {
    yield data.startsWith('@') ? readUserFile(data.slice(1), 'request data file', 'data') : data;
    return;
  }
  stdin.setEncoding('utf8');
  for await (const chunk of stdin) yield chunk as string;
}

/**
 * Records as they complete, then whatever follows the last separator: an empty record is the
 * empty message (as in grpcurl). Input that is blank and has no separator holds no record at all.
 */
async function* recordsOf(data: string, stdin: Readable): AsyncGenerator<string> {
  let pending = '';
  let separated = false;
  for await (const chunk of chunksOf(data, stdin)) {
    pending += chunk;
    let at: number;
    while ((at = pending.indexOf(RECORD_SEPARATOR)) >= 0) {
      separated = true;
      yield pending.slice(0, at);
      pending = pending.slice(at + 1);
    }
  }
  if (separated || pending.trim() !== '') yield pending;
}

/** Stream requests: one message per record, handed on as each record completes. */
export async function* textStreamRequests(data: string | undefined, stdin: Readable): AsyncGenerator<TextRequest> {
  if (data === undefined) return;
  const source = sourceName(data);
  let n = 0;
  for await (const text of recordsOf(data, stdin)) yield { text, where: `${source} record ${++n}` };
}

/** The one request of a unary or server-streaming call; no input, or blank input, is the empty message. */
export async function singleTextRequest(data: string | undefined, stdin: Readable): Promise<TextRequest> {
  if (data === undefined) return { text: '', where: 'the empty request' };
  const source = sourceName(data);
  const records: string[] = [];
  for await (const text of recordsOf(data, stdin)) records.push(text);
  if (records.length > 1) {
    throw new PkiError(`${source} holds ${records.length} messages (separated by 0x1E), but this method takes exactly one request`, {
      option: 'data',
      fix: 'send one message; only client- and bidi-streaming methods take several, separated by the record separator 0x1E',
    });
  }
  return { text: records[0] ?? '', where: source };
}
