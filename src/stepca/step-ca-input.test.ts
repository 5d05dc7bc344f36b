import { parseFingerprint, parseStepCaUrl } from './step-ca-input';

describe('--step-ca and --ca-fingerprint', () => {
  const hex = '98c5a38fc9d36ef4523171aadefe17553c9d0311436087dcfe2d1e21b8786f56';

  it('reads a fingerprint however it was copied: step (hex), OpenSSL (AB:CD, upper case), spaces', () => {
    const colons = hex.toUpperCase().match(/../g)!.join(':');
    for (const text of [hex, hex.toUpperCase(), colons, ` ${colons}\n`, `SHA256:${hex}`, `sha256=${colons}`])
      expect(parseFingerprint(text)).toBe(hex);
  });

  it('refuses what is not 32 bytes of hex, naming the option', () => {
    for (const text of ['', hex.slice(2), `${hex}00`, hex.replace('9', 'g'), 'SHA1:' + hex]) {
      expect(() => parseFingerprint(text)).toThrow(expect.objectContaining({ reason: 'bad-input', option: 'caFingerprint' }));
    }
  });

  it('reads the CA address as an https origin', () => {
    expect(parseStepCaUrl('https://ca.internal:9000')).toBe('https://ca.internal:9000');
    expect(parseStepCaUrl('https://ca.internal:9000/')).toBe('https://ca.internal:9000');
    expect(parseStepCaUrl('https://[::1]:9000')).toBe('https://[::1]:9000');
    expect(parseStepCaUrl('https://ca.internal:443')).toBe('https://ca.internal');
  });

  it('refuses plain http, paths, queries and credentials', () => {
    for (const text of [
      'http://ca:9000',
      'ca:9000',
      'https://ca:9000/1.0/sign',
      'https://ca:9000/?x=1',
      'https://user:pw@ca:9000',
      'not a url',
    ]) {
      expect(() => parseStepCaUrl(text)).toThrow(expect.objectContaining({ reason: 'bad-input', option: 'stepCaUrl' }));
    }
  });
});
