// `certrpc/lifecycle`: the operations on a PKI directory the CLI runs: renew, rotate and retire the
// CA, revoke and publish CRLs, list certificates with their status, make a key and CSR.
export { renewIdentity } from '../lifecycle/renew';
export { rotateCa } from '../lifecycle/rotate-ca';
export { retireCa } from '../lifecycle/retire-ca';
export { revokeCertificate } from '../lifecycle/revoke';
export { publishCrls } from '../lifecycle/publish-crl';
export { listCertificates } from '../lifecycle/cert-status';
export { createCertificateRequest } from '../lifecycle/request';
export { PkiDir } from '../store/pki-dir';
export { PkiError } from '../pki/errors';
export { CertrpcError } from '../errors/certrpc-error';
