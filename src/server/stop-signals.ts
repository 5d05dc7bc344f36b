// The one way a certrpc process (serve, npm start, ca serve, proxy, agent) listens for SIGTERM and
// SIGINT. The first signal starts the stop; later ones never kill the process: they call `again`
// (serve ends its grace period) while stopping, and are ignored for a while once the stop is done,
// because npm forwards to `npm start`'s server a signal its process group already got (kill -TERM
// -- -PGID, Ctrl-C), and that copy may land while the process exits (exit 143 instead of 0).

/** How long after `stopped()` further signals are ignored; unref'd, so it never holds a process open. */
const LATE_SIGNAL_WINDOW_MS = 10_000;

export interface StopSignals {
  /** The stop is done: signals are ignored for a while, then the default action comes back. */
  stopped(): void;
}

export function onStopSignals(
  first: (signal: NodeJS.Signals) => void,
  again: (signal: NodeJS.Signals) => void = () => undefined,
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): StopSignals {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return again(signal);
    stopping = true;
    first(signal);
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    stopped() {
      const ignore = () => undefined;
      for (const s of signals) process.off(s, onSignal).on(s, ignore);
      setTimeout(() => signals.forEach((s) => process.off(s, ignore)), LATE_SIGNAL_WINDOW_MS).unref();
    },
  };
}
