// `certrpc` as bin/certrpc runs it, but from the bench build (dist-bench), so the CLI measured is
// always the code just compiled, even when dist/ is stale.
// bin/certrpc runs cli/entry.js (the calling verbs start without the rest of the CLI).
import { main } from '../../src/cli/entry';

void main(process.argv);
