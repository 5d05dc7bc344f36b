// createServer({ anonymousMethods }): what the CA's Enroll needs (a host with no certificate yet) and
// no more. Over a connection without a client certificate only the listed methods run, with no
// caller and none of the stages that judge one; every other method is UNAUTHENTICATED. A presented
// certificate must still verify (an untrusted one is refused at the handshake, as everywhere), and a
// server without the option refuses certificate-less connections at the handshake as before.
import { makeGenericClientConstructor, Metadata, ServerUnaryCall, status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { authorization } from '../../src/authz/authorization';
import { CompiledPolicy } from '../../src/authz/compiled-policy';
import { createClient } from '../../src/client/create-client';
import { IdentityClient, IdentityService, WhoAmIRequest, WhoAmIResponse } from '../../src/gen/certrpc/v1/identity';
import { callerOf } from '../../src/gate/caller';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { grpcError, unary } from '../helpers/calls';
import { issueCertificate } from '../../src/pki/issue';
import { clientTls, demoPki, otherCa } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

// A second service with the Identity shape, under another name, so one method can be opened and another not.
const OpenService = Object.fromEntries(
  Object.entries(IdentityService).map(([k, v]) => [k, { ...v, path: '/test.v1.Open/WhoAmI' }]),
) as unknown as typeof IdentityService;
const OpenClient = makeGenericClientConstructor(OpenService, 'test.v1.Open') as unknown as typeof IdentityClient;

describe('anonymous methods: a connection without a client certificate', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let open: CertrpcServer;
  let closed: CertrpcServer;
  const seen: string[] = [];
  const authz = authorization({
    policy: new CompiledPolicy({
      name: 'test',
      format: 'certrpc',
      roles: [],
      rules: [{ name: 'all', effect: 'allow', roles: ['*'], methods: ['*'] }],
      audit: { mode: 'none' },
    }),
  });

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    const tls = {
      certPem: readFileSync(pki.certFile('server'), 'utf8'),
      keyPem: readFileSync(pki.keyFile('server'), 'utf8'),
      clientCaPem: readFileSync(pki.caCertFile, 'utf8'),
    };
    const implementation = {
      whoAmI(call: ServerUnaryCall<WhoAmIRequest, WhoAmIResponse>, callback: (err: null, res: WhoAmIResponse) => void) {
        let who = 'anonymous';
        try {
          who = callerOf(call).identity.commonName;
        } catch {
          // no caller: the anonymous path
        }
        seen.push(who);
        callback(null, { commonName: who, sans: [], serial: '', notAfter: '', roles: [], spiffeId: '', fingerprintSha256: '', issuer: '' });
      },
    };
    open = createServer({
      tls,
      services: [{ definition: OpenService, implementation }],
      anonymousMethods: ['/test.v1.Open/WhoAmI'],
      authorization: authz,
      limits: { maxMetadataBytes: 1024 },
    });
    closed = createServer({ tls, services: [{ definition: OpenService, implementation }] });
    await open.listen('127.0.0.1', 0);
    await closed.listen('127.0.0.1', 0);
  });
  afterAll(async () => {
    await open.shutdown(0);
    await closed.shutdown(0);
    authz.close();
    tmp.cleanup();
  });

  const anonymousTls = () => ({ caPem: readFileSync(pki.caCertFile, 'utf8') });
  const addr = (s: CertrpcServer) => `127.0.0.1:${s.listening!.port}`;

  it('runs a listed method with no caller', async () => {
    const client = createClient(OpenClient, addr(open), { tls: anonymousTls(), authority: 'localhost', diagnose: false });
    try {
      const r = await unary(client, client.whoAmI, {});
      expect(r.commonName).toBe('anonymous');
    } finally {
      client.close();
    }
  });

  it('holds an anonymous call to the metadata limit too: refused before the handler', async () => {
    const client = createClient(OpenClient, addr(open), { tls: anonymousTls(), authority: 'localhost', diagnose: false });
    try {
      const before = seen.length;
      const metadata = new Metadata();
      metadata.set('x-big', 'x'.repeat(2000));
      const err = await grpcError(new Promise((resolve, reject) => client.whoAmI({}, metadata, (e, r) => (e ? reject(e) : resolve(r)))));
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(err.details).toMatch(/over this server's limit of 1024 \(maxMetadataBytes\)/);
      expect(seen.length).toBe(before);
    } finally {
      client.close();
    }
  });

  it('refuses every other method on that connection: UNAUTHENTICATED, before any handler', async () => {
    const client = createClient(IdentityClient, addr(open), { tls: anonymousTls(), authority: 'localhost', diagnose: false });
    try {
      const err = await grpcError(unary(client, client.whoAmI, {}));
      expect(err.code).toBe(status.UNAUTHENTICATED);
      expect(err.details).toMatch(/no verified client certificate/);
    } finally {
      client.close();
    }
  });

  it('still identifies a caller that presents a valid certificate, and refuses an untrusted one at the handshake', async () => {
    const alice = createClient(OpenClient, addr(open), { tls: clientTls(pki, 'alice'), authority: 'localhost', diagnose: false });
    const stranger = await otherCa(`${tmp.dir}/other`);
    const pair = await issueCertificate(await stranger.loadCa(), { profile: 'client', commonName: 'eve' });
    const eve = createClient(OpenClient, addr(open), {
      tls: { caPem: readFileSync(pki.caCertFile, 'utf8'), ...pair },
      authority: 'localhost',
      diagnose: false,
    });
    try {
      expect((await unary(alice, alice.whoAmI, {})).commonName).toBe('alice');
      const err = await grpcError(unary(eve, eve.whoAmI, {}));
      expect(err.code).toBe(status.UNAVAILABLE);
      expect(seen).not.toContain('eve');
    } finally {
      alice.close();
      eve.close();
    }
  });

  it('a server without anonymousMethods refuses a certificate-less connection at the handshake', async () => {
    const client = createClient(OpenClient, addr(closed), { tls: anonymousTls(), authority: 'localhost', diagnose: false });
    try {
      const before = seen.length;
      const err = await grpcError(unary(client, client.whoAmI, {}));
      expect(err.code).toBe(status.UNAVAILABLE);
      expect(seen.length).toBe(before);
    } finally {
      client.close();
    }
  });
});
