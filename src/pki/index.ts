// The PKI library: pure functions over PEM strings and WebCrypto keys. No file I/O here
// (that is src/store/), no printing (that is src/cli/).
export * from './crypto';
export * from './errors';
export * from './ca';
export * from './ca-as-identity';
export * from './csr';
export * from './issue';
export * from './inspect';
export * from './name-text';
export * from './pem';
export * from './profiles';
export * from './serial';
export * from './subject-alt-names';
export * from './validity';
export * from './verify';
