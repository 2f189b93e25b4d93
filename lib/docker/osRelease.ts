/**
 * Reads /etc/os-release from an image without running anything in it: a created (never started)
 * container's file through the engine API, so the engine may be remote. The file is usually a
 * link to /usr/lib/os-release; the link is followed.
 */
import type Docker from 'dockerode';
import { tarLibrary as tar } from '../fs/tarLibrary';
import { LABELS, projectLabels } from './labels';

async function readEntry(container: Docker.Container, file: string): Promise<{ text?: string; link?: string } | null> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await container.getArchive({ path: file })) as unknown as NodeJS.ReadableStream;
  } catch {
    return null;
  }
  return new Promise((resolve, reject) => {
    let found: { text?: string; link?: string } | null = null;
    const parser = new (tar().Parser)({
      onReadEntry: (entry) => {
        if (found) return entry.resume();
        if (entry.type === 'SymbolicLink') {
          found = { link: entry.linkpath };
          entry.resume();
        } else if (entry.type === 'File') {
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => (found = { text: Buffer.concat(chunks).toString('utf8') }));
        } else entry.resume();
      },
    });
    parser.on('end', () => resolve(found));
    parser.on('error', reject);
    stream.on('error', reject);
    stream.pipe(parser as unknown as NodeJS.WritableStream);
  });
}

/** The image's os-release text, or null when it has none. */
export async function readOsRelease(docker: Docker, imageId: string, workDir: string): Promise<string | null> {
  const container = await docker.createContainer({
    Image: imageId,
    Cmd: ['true'],
    Labels: projectLabels('builder', { [LABELS.workDir]: workDir }),
  });
  try {
    let file = '/etc/os-release';
    for (let hops = 0; hops < 4; hops++) {
      const e = await readEntry(container, file);
      if (!e) return file === '/etc/os-release' ? (await readEntry(container, '/usr/lib/os-release'))?.text ?? null : null;
      if (e.text !== undefined) return e.text;
      file = e.link!.startsWith('/') ? e.link! : `${file.replace(/[^/]*$/, '')}${e.link}`;
    }
    return null;
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}
