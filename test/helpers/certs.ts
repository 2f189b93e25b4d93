/**
 * Certificates for an engine with --tlsverify, made with openssl as Docker's "protect the daemon
 * socket" guide makes them: a CA, a server certificate for 127.0.0.1, a client certificate.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './temp';

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/**
 * A folder with ca.pem, server-cert.pem, server-key.pem (for dockerd) and cert.pem, key.pem (the
 * client's, so the folder is a DOCKER_CERT_PATH). Each call makes a CA of its own.
 */
export function makeEngineCerts(): string {
  const dir = tempDir('contrail-certs-');
  const days = ['-days', '2'];
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', ...days, '-subj', '/CN=contrail test CA']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage = clientAuth\n');
  for (const [name, subject] of [['server', '/CN=127.0.0.1'], ['client', '/CN=contrail-builder']] as const) {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial',
      '-out', `${name}-cert.pem`, ...days, '-extfile', `${name}.ext`]);
  }
  fs.renameSync(path.join(dir, 'client-cert.pem'), path.join(dir, 'cert.pem'));
  fs.renameSync(path.join(dir, 'client-key.pem'), path.join(dir, 'key.pem'));
  return dir;
}
