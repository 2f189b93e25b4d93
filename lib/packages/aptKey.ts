/**
 * An apt source's signing key as apt of every release reads it: a binary OpenPGP key in
 * /etc/apt/trusted.gpg.d/*.gpg (apt before 1.4, as on Ubuntu 16.04, does not read armored *.asc
 * there, and the base image may have no gpg to convert it). Pure.
 */
import { inputError } from '../errors';

/** The key's binary form: armored text is decoded, binary is kept; anything else is an input error naming `what`. */
export function binaryKey(data: Buffer, what: string): Buffer {
  const text = data.toString('latin1');
  const armored = /-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n([\s\S]*?)-----END PGP PUBLIC KEY BLOCK-----/.exec(text);
  if (armored) {
    // headers end at the first empty line; the checksum line starts with '='
    const [, body] = armored[1].split(/\r?\n\r?\n/, 2).length === 2 ? armored[1].split(/\r?\n\r?\n/, 2) : ['', armored[1]];
    const base64 = body.split(/\r?\n/).filter((l) => l && !l.startsWith('=')).join('');
    const key = Buffer.from(base64, 'base64');
    if (key.length && (key[0] & 0x80)) return key;
  } else if (data.length && (data[0] & 0x80) && !text.includes('-----BEGIN')) {
    return data;
  }
  throw inputError(`${what} is not an OpenPGP public key (armored or binary)`, 'export it with gpg --export --armor KEYID > file');
}
