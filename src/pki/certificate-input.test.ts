// What `cert inspect` and `cert needs-renewal` are given, decided by content: certificates (PEM
// bundle or DER), a CSR (PEM or DER), and anything else refused naming what it is, never showing it.
import { execFileSync } from 'node:child_process';
import { createCa } from './ca';
import { readCertificateInput, readInspectInput } from './certificate-input';
import { createKeyAndCsr } from './make-csr';

const der = (pem: string, kind: 'x509' | 'req') => execFileSync('openssl', [kind, '-outform', 'DER'], { input: pem });

describe('readInspectInput', () => {
  let a: { certPem: string; keyPem: string };
  let b: { certPem: string; keyPem: string };
  let csrPem: string;
  beforeAll(async () => {
    [a, b] = [await createCa({ commonName: 'a' }), await createCa({ commonName: 'b' })];
    csrPem = (await createKeyAndCsr('req')).csrPem;
  });

  it('a PEM bundle: every certificate, in order, with its PEM block', () => {
    const input = readInspectInput(Buffer.from(`text\n${a.certPem}${b.certPem}`), 'b.pem');
    expect(input).toMatchObject({ kind: 'certificates', format: 'PEM', pems: [a.certPem.trim(), b.certPem.trim()] });
    expect(input.kind === 'certificates' && input.certificates.map((c) => c.subject)).toEqual(['CN=a', 'CN=b']);
  });

  it('a DER certificate, a PEM request (either label) and a DER request', () => {
    const cert = readInspectInput(der(a.certPem, 'x509'));
    expect(cert).toMatchObject({ kind: 'certificates', format: 'DER' });
    expect(cert.kind === 'certificates' && [cert.certificates[0].subject, cert.pems[0].trim()]).toEqual(['CN=a', a.certPem.trim()]);
    expect(readInspectInput(Buffer.from(`x\n${csrPem}`))).toEqual({ kind: 'csr', format: 'PEM', pem: csrPem });
    const legacy = csrPem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST');
    expect(readInspectInput(Buffer.from(legacy))).toEqual({ kind: 'csr', format: 'PEM', pem: legacy });
    expect(readInspectInput(der(csrPem, 'req'))).toEqual({ kind: 'csr', format: 'DER', pem: csrPem });
  });

  it('a private key is named as one and never shown; another PEM kind by its label; garbage as neither', () => {
    const refusal = (bytes: string) => {
      try {
        readInspectInput(Buffer.from(bytes), 'in.pem');
      } catch (err) {
        return err as Error & { file?: string; fix?: string };
      }
      throw new Error('accepted');
    };
    const key = refusal(a.keyPem);
    expect(key.message).toContain('a private key');
    expect(key.message).not.toContain(a.keyPem.split('\n')[1]);
    expect(key).toMatchObject({ file: 'in.pem', fix: expect.stringContaining('.crt') });
    expect(refusal('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n').message).toContain('"X509 CRL"');
    expect(refusal('hello')).toMatchObject({
      file: 'in.pem',
      message: expect.stringMatching(/certificate.*request/),
      fix: expect.stringContaining('.der'),
    });
    expect(refusal(`-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`)).toMatchObject({ file: 'in.pem' });
  });
});

describe('readCertificateInput', () => {
  it('certificates pass; a request is refused, naming what it is and what to give instead', async () => {
    const ca = await createCa({ commonName: 'c' });
    expect(readCertificateInput(Buffer.from(ca.certPem)).certificates).toHaveLength(1);
    const { csrPem } = await createKeyAndCsr('req');
    expect(() => readCertificateInput(Buffer.from(csrPem), 'r.csr')).toThrow(
      expect.objectContaining({ message: expect.stringContaining('signing request'), file: 'r.csr', fix: expect.stringContaining('.crt') }),
    );
  });
});
