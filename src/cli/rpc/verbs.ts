/** The calling verbs: top-level like grpcurl's (certrpc call ADDR METHOD), and started by entry.ts without the rest of the CLI. */
export const RPC_VERBS: readonly string[] = ['list', 'describe', 'call', 'doctor'];
