import { generateKeyPairSync } from 'node:crypto';
import { ott } from './one-time-token';
import { namesOfToken, sanOfTokenName } from './token-names';

describe('the names step-ca signs for a token', () => {
  const provisioner = { name: 'ops', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
  const token = (sub: string, sans?: string[]) => ott(provisioner, { sub, sans, aud: 'https://ca.test:9000/1.0/sign' });

  it('types each name as x509util.SplitSANs does: an IP, else a URI (a scheme), else an email (an @), else DNS', () => {
    expect(['10.0.0.5', '::1', 'spiffe://corp/svc/a', 'ops@corp.test', 'web1.internal', 'web1'].map(sanOfTokenName)).toEqual([
      { type: 'IP', value: '10.0.0.5' },
      { type: 'IP', value: '::1' },
      { type: 'URI', value: 'spiffe://corp/svc/a' },
      { type: 'email', value: 'ops@corp.test' },
      { type: 'DNS', value: 'web1.internal' },
      { type: 'DNS', value: 'web1' },
    ]);
  });

  it("the CN is the subject; the SANs are the token's sans, or the subject alone when it has none (as step-ca does)", () => {
    expect(namesOfToken(token('web1', ['web1.internal', '10.0.0.5', 'web1.internal']))).toEqual({
      commonName: 'web1',
      sans: [
        { type: 'DNS', value: 'web1.internal' },
        { type: 'IP', value: '10.0.0.5' },
      ],
    });
    expect(namesOfToken(token('app1'))).toEqual({ commonName: 'app1', sans: [{ type: 'DNS', value: 'app1' }] });
  });

  it('refuses, naming the token option, what is not a token, a token without a subject, and a name no CSR can carry', () => {
    const noSub = ott(provisioner, { sub: '', aud: 'https://ca.test:9000/1.0/sign' });
    for (const [bad, why] of [
      ['not-a-token', /not a step-ca one-time token/],
      [noSub, /names no subject/],
      [
        token('web1', ['bad name, URI:spiffe://corp/admin']),
        /one of the token's names cannot go in a certificate request: bad subject alternative name .*not a DNS name/,
      ],
    ] as const) {
      expect(() => namesOfToken(bad)).toThrow(
        expect.objectContaining({ reason: 'bad-input', option: 'token', message: expect.stringMatching(why) }),
      );
    }
  });
});
