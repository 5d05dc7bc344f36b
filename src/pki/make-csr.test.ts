// createKeyAndCsr: the request an agent or `cert csr` sends, checked as signing would check it.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { x509 } from './crypto';
import { readCsr } from './csr';
import { createKeyAndCsr } from './make-csr';
import { parseSanList } from './subject-alt-names';

describe('createKeyAndCsr', () => {
  it('a P-256 key by default and a request signed by it, naming the CN and the SANs asked for', async () => {
    const { keyPem, csrPem } = await createKeyAndCsr('alice', undefined, parseSanList('DNS:alice.corp,IP:::FFFF:10.0.0.1'));
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(csrPem).toMatch(/-----END CERTIFICATE REQUEST-----\n$/);
    const csr = await readCsr(csrPem);
    expect(csr.publicKey).toBe('ECDSA P-256');
    expect(csr.subject).toBe('CN=alice');
    expect(csr.requestedSans).toEqual([
      { type: 'DNS', value: 'alice.corp' },
      { type: 'IP', value: '::ffff:a00:1' },
    ]);
    expect([csr.sanExtensions, csr.otherExtensions]).toEqual([1, []]);
    expect(csr.csr.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension)?.critical).toBe(false);
    // The key written is the key the request carries.
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    expect(Buffer.from(csr.csr.publicKey.rawData).equals(fromKey)).toBe(true);
  });

  it('no SANs: no SAN extension; another key type when asked', async () => {
    const csr = await readCsr((await createKeyAndCsr('bob', 'ecdsa-p384')).csrPem);
    expect([csr.publicKey, csr.sanExtensions, csr.requestedSans]).toEqual(['ECDSA P-384', 0, []]);
  });

  it('refuses a CN signing would refuse, and a bad SAN, before making a key', async () => {
    for (const cn of ['', 'a'.repeat(65), 'a\nb']) {
      await expect(createKeyAndCsr(cn)).rejects.toMatchObject({
        option: 'commonName',
        message: expect.stringContaining(JSON.stringify(cn)),
        fix: expect.stringContaining('1 to 64'),
      });
    }
    await expect(createKeyAndCsr('x', 'ecdsa-p256', [{ type: 'DNS', value: 'a b' }])).rejects.toMatchObject({ code: 'BAD_SAN' });
  });
});
