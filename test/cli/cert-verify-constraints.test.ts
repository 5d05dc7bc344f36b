// `certrpc cert verify` on chains under a name-constrained CA (made by openssl, an independent
// issuer): the same verdict as `openssl verify`, exit 1 with the rule and the name when broken.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { opensslSelfSigned, opensslSigned } from '../helpers/openssl-pki';
import { tempDir } from '../helpers/temp-dir';
import { requireTool } from '../helpers/tools';

jest.setTimeout(60_000);

describe('cert verify: name constraints', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("refuses a leaf outside its CA's permitted names as openssl verify does, naming the CA, the rule and the name; accepts one inside", async () => {
    const ca = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'];
    const root = opensslSelfSigned(tmp.dir, 'root', '/CN=corp root', { addext: ca });
    const constrained = opensslSigned(tmp.dir, 'team', '/CN=team CA', root, [
      ...ca,
      'authorityKeyIdentifier=keyid',
      'nameConstraints=critical,permitted;DNS:team.example.com,excluded;IP:0.0.0.0/0.0.0.0',
    ]);
    const chainFile = (name: string, san: string) => {
      const leaf = opensslSigned(tmp.dir, name, `/CN=${name}`, constrained, [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
        'authorityKeyIdentifier=keyid',
        `subjectAltName=${san}`,
      ]);
      const file = join(tmp.dir, `${name}-chain.crt`);
      writeFileSync(file, leaf.certPem + constrained.certPem);
      const openssl = spawnSync(
        requireTool('openssl'),
        ['verify', '-CAfile', root.certFile, '-untrusted', constrained.certFile, leaf.certFile],
        {
          encoding: 'utf8',
        },
      );
      return { file, opensslOk: openssl.status === 0 };
    };

    const inside = chainFile('api', 'DNS:api.team.example.com');
    const ok = await runCli(['cert', 'verify', inside.file, '--cacert', root.certFile]);
    expect({ code: ok.code, opensslOk: inside.opensslOk }).toEqual({ code: 0, opensslOk: true });
    expect(ok.stdout).toContain('OK (CN=api <- CN=team CA <- CN=corp root)');

    const outside = chainFile('rogue', 'DNS:api.other.example.com');
    const refused = await runCli(['cert', 'verify', outside.file, '--cacert', root.certFile]);
    expect({ code: refused.code, opensslOk: outside.opensslOk }).toEqual({ code: 1, opensslOk: false });
    expect(refused.stderr.trim()).toBe(
      `${outside.file}: FAILED PERMITTED_VIOLATION: CA "CN=team CA" permits only the DNS names "team.example.com" (and names below them), and certificate "CN=rogue" has DNS name "api.other.example.com"`,
    );

    const byAddress = chainFile('byip', 'DNS:ip.team.example.com,IP:10.0.0.7');
    const excluded = await runCli(['cert', 'verify', byAddress.file, '--cacert', root.certFile, '--json']);
    expect({ code: excluded.code, opensslOk: byAddress.opensslOk }).toEqual({ code: 1, opensslOk: false });
    expect(JSON.parse(excluded.stdout)).toMatchObject({ ok: false, code: 'EXCLUDED_VIOLATION' });
  });
});
