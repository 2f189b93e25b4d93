/**
 * The SBOM and provenance of every image save or push ships, made from reality: each image's
 * package database (read once per image id and kept in <workDir>/supply-chain/, since an id's
 * content never changes), its labels and history, the repo image's packageBuild manifest, the
 * ansible manifest, the base image. Only runs that ship call this; the document libraries load
 * here, not at start-up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { parseManifest as parseAnsibleManifest } from '../ansible/manifest';
import type { ResolvedConfig } from '../config/load';
import { imageRecord } from '../docker/imageFiles';
import { LABELS, PACKAGES_MANIFEST_LABEL } from '../docker/labels';
import { hostMirror } from '../docker/mirror';
import { readTextOrNull } from '../fs/read';
import { headOf } from '../git/checkout';
import { sha256File } from '../hash';
import { INPUTS_LABEL, OCI } from '../images/labels';
import { parseInputsLabel } from '../images/inputs';
import { mapLimit } from '../limit';
import { parseManifest } from '../packages/buildPlan';
import type { ShipImage } from '../ship';
import type { AnsibleResult, RepoResult } from '../steps';
import { sbomDocument } from './cyclonedx';
import { type BaseFacts, type BuildFacts, type PackageOrigin, redactFacts, type SbomFacts } from './facts';
import { ansibleFacts, builtOrigins, inputOrigins } from './origins';
import type { PackageDatabase } from './packageDb';
import type { LicenceCache } from './readImage';
import { packageDatabase } from './packagesKept';
import { statementText } from './provenance';

export interface DocumentRequest {
  images: ShipImage[];
  repo: RepoResult;
  ansible: AnsibleResult | null;
  family: 'deb' | 'rpm';
  config: ResolvedConfig;
  jobs: number;
}

/** One image's two documents, as the text that is written and pushed. */
export interface ImageDocuments {
  component: string;
  ref: string;
  id: string;
  /** the image's name without its tag: sbom/<name>.cdx.json */
  name: string;
  sbom: string;
  provenance: string;
}

/** What every image of the run shares. */
interface Shared {
  contrail: Record<string, PackageOrigin>;
  ansible: SbomFacts['ansible'];
  base: BaseFacts | null;
  build: Omit<BuildFacts, 'config'>;
}

/** engine requests for the images' facts in flight at once (each a small inspect or history) */
const FACTS_AT_ONCE = 8;

export async function imageDocuments(docker: Docker, req: DocumentRequest): Promise<ImageDocuments[]> {
  const shared = await sharedFacts(docker, req);
  const local = req.images.filter((i) => i.local !== false);
  // one image after another, parents first: each reads only the licences its parents lacked
  const licences: LicenceCache = new Map();
  const dbs: PackageDatabase[] = [];
  for (const image of local) dbs.push(await packageDatabase(docker, req.config.workDir, req.family, image.id, licences));
  // the records are engine requests (inspect, history): many at once; the documents are this
  // process's CPU, one after another
  const facts = await mapLimit(local, Math.max(req.jobs, FACTS_AT_ONCE), async (image, k) => redactFacts(await imageFacts(docker, req, shared, image, dbs[k])));
  return local.map((image, k) => ({
    component: image.component, ref: image.ref, id: image.id, name: image.ref.replace(/:[^:/]*$/, ''), sbom: sbomDocument(facts[k]), provenance: statementText(facts[k]),
  }));
}

async function imageFacts(docker: Docker, req: DocumentRequest, shared: Shared, image: ShipImage, db: PackageDatabase): Promise<SbomFacts> {
  const record = await imageRecord(docker, image.id);
  if (!record) throw new Error(`image ${image.ref} (${image.id}) is not on the engine`);
  const installed = new Set(db.packages.map((p) => p.name));
  const contrail = Object.fromEntries(Object.entries(shared.contrail).filter(([name]) => installed.has(name)));
  const family = image.component !== 'repo';
  return {
    image: {
      component: image.component, ref: image.ref, id: image.id, inputHash: image.inputHash,
      started: validTime(record.labels[OCI.created]) ?? record.created, finished: record.created, builder: record.builder,
      inputs: parseInputsLabel(record.labels[INPUTS_LABEL]),
    },
    db, contrail, ansible: family ? shared.ansible : null, base: shared.base,
    build: { ...shared.build, config: shapingConfig(req.config, image.component) },
  };
}

const validTime = (v: string | undefined) => (v && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined);

/** The config values that shaped an image (what the build installs and from where it starts); secrets are redacted later with the rest. */
function shapingConfig(c: ResolvedConfig, component: string): Record<string, unknown> {
  const recipe = c.images[component];
  return {
    version: c.version, os: c.os, osFamily: c.osFamily, baseImage: c.baseImage, bootstrap: c.bootstrap,
    packagesInput: c.packages.url ? { url: c.packages.url } : c.packages.tar ? { tar: c.packages.tar } : c.packages.dir ? { dir: c.packages.dir } : { build: c.packages.build.sources.map((s) => s.name) },
    repoPriority: c.repo.priority, noCache: c.noCache,
    ...(recipe ? { packages: recipe.packages } : {}),
  };
}

async function sharedFacts(docker: Docker, req: DocumentRequest): Promise<Shared> {
  const [contrail, base, engineVersion, commit] = await Promise.all([
    contrailOrigins(docker, req), baseFacts(docker, req.config), docker.version().then((v) => v.Version),
    headOf(projectRoot()).then((h) => h.commit, () => ''),
  ]);
  const manifestText = req.ansible ? readTextOrNull(req.ansible.manifest) : null;
  const ansibleManifest = manifestText ? parseAnsibleManifest(manifestText) : undefined;
  const ansible = ansibleManifest ? ansibleFacts(ansibleManifest) : req.ansible ? { file: path.basename(req.ansible.artifact), sha256: req.ansible.sha256, repo: null, ref: null, commit: req.ansible.commit, dependencies: [] } : null;
  return { contrail, ansible, base, build: { project: { version: projectVersion(), commit }, engineVersion, repoIndexHash: req.repo.indexHash } };
}

/** This project's folder: the first above this module with a package.json (from lib/sbom, or from the compiled dist/). */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function projectVersion(): string {
  const text = readTextOrNull(path.join(projectRoot(), 'package.json'));
  return text ? (JSON.parse(text) as { version: string }).version : '0.0.0';
}

async function contrailOrigins(docker: Docker, req: DocumentRequest): Promise<Record<string, PackageOrigin>> {
  const names = Object.keys(req.repo.packages);
  const c = req.config;
  if (req.repo.source === 'build') {
    const manifest = req.repo.image ? parseManifest((await imageRecord(docker, req.repo.image.id))?.labels[PACKAGES_MANIFEST_LABEL] ?? null) : null;
    if (manifest) return builtOrigins(manifest);
    return inputOrigins('dir', 'packageBuild output', names);
  }
  if (req.repo.source === 'tar' && c.packages.tar) {
    const local = !/^https?:\/\//.test(c.packages.tar);
    return inputOrigins('tar', c.packages.tar, names, local ? await sha256File(c.packages.tar).catch(() => undefined) : undefined);
  }
  return inputOrigins(req.repo.source === 'url' ? 'url' : 'dir', c.packages.url ?? c.packages.dir ?? '', names);
}

async function baseFacts(docker: Docker, c: ResolvedConfig): Promise<BaseFacts | null> {
  const base = await imageRecord(docker, c.baseImage);
  if (!base) return null;
  // a base-os image of ours was made with debootstrap (lib/docker/osImage.ts)
  const bootstrapped = base.labels[LABELS.role] === 'base-os' && c.bootstrap;
  return {
    ref: c.baseImage, id: base.id, digest: base.repoDigests[0]?.replace(/^.*@/, '') ?? null,
    bootstrap: bootstrapped && c.bootstrap ? { suite: c.bootstrap.suite, mirror: c.bootstrap.mirror ?? hostMirror() ?? 'debootstrap\'s default' } : null,
  };
}
