// Preloaded into a certrpc child process (node --require THIS): a supervisor that sends SIGTERM the
// instant "listening on" is written, from inside that very write, so the race is run every time, not
// by luck. Until a process has a SIGTERM listener, the signal's default action ends it at once; so the
// process stops gracefully (exit 0) only if its handler was in place before it printed the line.
// SIGTERM_AT_LINE (a regular expression) picks another line, e.g. serve's "metrics on".
'use strict';
const line = new RegExp(process.env.SIGTERM_AT_LINE || 'listening on');
const write = process.stdout.write.bind(process.stdout);
let sent = false;
process.stdout.write = (chunk, ...rest) => {
  const result = write(chunk, ...rest);
  if (!sent && line.test(String(chunk))) {
    sent = true;
    process.kill(process.pid, 'SIGTERM');
  }
  return result;
};
