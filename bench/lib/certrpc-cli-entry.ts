// `certrpc` as bin/certrpc runs it, but from the bench build (dist-bench), so the CLI measured is
// always the code just compiled, even when dist/ is stale.
import { main } from '../../src/cli/main';

void main(process.argv);
