/**
 * Real Debian binary packages made in Node (an ar archive of debian-binary, control.tar.gz and
 * data.tar.gz, as dpkg-deb writes them), so tests get valid .debs of any name and version
 * without a builder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';

function arMember(name: string, data: Buffer): Buffer {
  const field = (v: string, n: number) => v.padEnd(n, ' ').slice(0, n);
  const header = Buffer.from(
    field(name, 16) + field('0', 12) + field('0', 6) + field('0', 6) + field('100644', 8) + field(String(data.length), 10) + '`\n',
    'latin1',
  );
  return Buffer.concat([header, data, data.length % 2 ? Buffer.from('\n') : Buffer.alloc(0)]);
}

function tarGz(files: Record<string, { content: string; mode?: number }>): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deb-'));
  try {
    for (const [p, f] of Object.entries(files)) {
      const full = path.join(dir, p);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, f.content);
      fs.chmodSync(full, f.mode ?? 0o644);
    }
    const out = path.join(dir, '..', `${path.basename(dir)}.tar.gz`);
    tar.c({ cwd: dir, gzip: true, portable: true, sync: true, file: out }, ['.']);
    const data = fs.readFileSync(out);
    fs.rmSync(out);
    return data;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface DebSpec {
  package: string;
  version: string;
  architecture?: string;
  depends?: string;
  /** installed files: absolute path in the system -> content (mode 0755 under /usr/bin) */
  files?: Record<string, string>;
}

export function makeDeb(spec: DebSpec): Buffer {
  const arch = spec.architecture ?? 'all';
  const control = [
    `Package: ${spec.package}`,
    `Version: ${spec.version}`,
    `Architecture: ${arch}`,
    'Maintainer: contrail-docker tests <tests@opencontrail.invalid>',
    ...(spec.depends ? [`Depends: ${spec.depends}`] : []),
    `Description: test package ${spec.package}`,
    '',
  ].join('\n');
  const data: Record<string, { content: string; mode?: number }> = {};
  for (const [p, content] of Object.entries(spec.files ?? {})) {
    data[p.replace(/^\//, '')] = { content, mode: p.startsWith('/usr/bin/') ? 0o755 : 0o644 };
  }
  return Buffer.concat([
    Buffer.from('!<arch>\n', 'latin1'),
    arMember('debian-binary', Buffer.from('2.0\n')),
    arMember('control.tar.gz', tarGz({ control: { content: control } })),
    arMember('data.tar.gz', tarGz(data)),
  ]);
}

export const debFileName = (spec: DebSpec) => `${spec.package}_${spec.version}_${spec.architecture ?? 'all'}.deb`;

/** Writes the package into `dir` under its canonical name; returns the path. */
export function writeDeb(dir: string, spec: DebSpec): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, debFileName(spec));
  fs.writeFileSync(file, makeDeb(spec));
  return file;
}

/** A tar archive written entry by entry, bad entries included (what `tar` would refuse to create). */
export function rawTar(entries: { path: string; type?: string; body?: string; linkpath?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = new tar.Header({
      path: e.path,
      type: (e.type ?? 'File') as any,
      size: e.type && e.type !== 'File' ? 0 : body.length,
      mode: 0o644,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
      linkpath: e.linkpath,
    });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block);
    if (!e.type || e.type === 'File') {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
