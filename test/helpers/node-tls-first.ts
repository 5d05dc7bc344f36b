// Loaded before every test file (jest.config.js setupFiles). On Node 20, a process whose first
// X509Certificate#toLegacyObject() runs before node:tls was ever loaded gets a node:tls without
// createSecureContext for the rest of its life (a circular require inside Node). Test files that
// read a certificate's legacy object themselves would break every TLS suite that runs after them
// in the same jest worker; certrpc's own code loads tls first (gate/peer-identity.ts).
import 'node:tls';
