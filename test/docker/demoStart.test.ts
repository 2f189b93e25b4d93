/**
 * The demo images start, as a user runs them (`docker run contrail-controller-debian12:<version>`):
 * each component provisions itself with the embedded contrail-ansible, starts its services, which
 * stay up as daemons do, and `docker stop` ends it cleanly. Containers of the demo family's images
 * (test/helpers/family.ts); nothing is built here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'ava';
import type Docker from 'dockerode';
import * as tar from 'tar';
import { imageRef } from '../../lib/naming';
import { docker } from '../helpers/docker';
import { DEMO_LOCK, DEMO_VERSION, demoFamily } from '../helpers/family';
import { withTestLock } from '../helpers/lock';

const OS = 'debian12';
const COMPONENTS = ['controller', 'analytics', 'analyticsdb', 'agent', 'lb', 'kube-manager', 'mesos-manager',
  'ceph-controller', 'kubernetes-agent', 'vcenter-plugin'];

interface Started {
  container: Docker.Container;
  /** stdout and stderr so far (no terminal: no colours) */
  output: () => string;
  /** resolves with the output once it matches, rejects (with the output) when the container ends first */
  waitFor: (re: RegExp) => Promise<string>;
  /** resolves with the exit code when the container ends */
  ended: Promise<number>;
}

/** Creates and starts a container of `ref` (named for this test process) with `files` put in first, following its output. */
async function start(ref: string, env: string[] = [], files: Record<string, string> = {}): Promise<Started> {
  const container = await docker.createContainer({
    Image: ref, Env: env, name: `t-demo-start-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    HostConfig: { NetworkMode: 'none' },
  });
  if (Object.keys(files).length > 0) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 't-demo-start-'));
    for (const [p, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), text);
    }
    await container.putArchive(tar.c({ cwd: dir, portable: true }, fs.readdirSync(dir)) as unknown as NodeJS.ReadableStream, { path: '/' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let text = '';
  const waiters: (() => void)[] = [];
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => {
    text += d.toString();
    waiters.forEach((w) => w());
  });
  await container.start();
  // the log from its first line, followed: an attach made before the start could miss the first
  // lines (it did once, in a loaded whole-suite run)
  const stream = await container.logs({ follow: true, stdout: true, stderr: true });
  container.modem.demuxStream(stream, sink, sink);
  const ended = container.wait().then((r: { StatusCode: number }) => r.StatusCode);
  let done = false;
  void ended.then(() => {
    done = true;
    // the last output may still be on its way
    setTimeout(() => waiters.forEach((w) => w()), 500);
  });
  const waitFor = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (re.test(text)) resolve(text);
        else if (done) reject(new Error(`the container ended before ${re} appeared:\n${text}`));
      };
      waiters.push(check);
      check();
    });
  return { container, output: () => text, waitFor, ended };
}

async function exec(container: Docker.Container, cmd: string[]): Promise<string> {
  const e = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({});
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d));
  container.modem.demuxStream(stream, out, out);
  await new Promise((r) => stream.on('end', r));
  return text;
}

const servicesOf = async (ref: string): Promise<string[]> =>
  ((await docker.getImage(ref).inspect()).Config.Env ?? []).find((e) => e.startsWith('CONTRAIL_SERVICES='))!.split('=')[1].split(/\s+/).filter(Boolean);

const removed = async (c: Docker.Container) => c.remove({ force: true }).catch(() => undefined);

test.before(async () => {
  await demoFamily();
});

test.serial('each demo component provisions itself, starts its services, stays up; docker stop ends it cleanly (exit 0)', async (t) => {
  // the family's images must not be rebuilt under the running containers
  await withTestLock(DEMO_LOCK, async () => {
    for (const component of COMPONENTS) {
      const ref = imageRef(component, OS, DEMO_VERSION);
      const services = await servicesOf(ref);
      t.true(services.length > 0, `${component} names its services`);
      const c = await start(ref);
      try {
        const up = await c.waitFor(new RegExp(`contrail-entrypoint: role ${component} is up: ${services.join(' ')} running`));
        t.regex(up, new RegExp(`provisioning role ${component} with /contrail-ansible/playbooks/site\\.yml`));
        t.regex(up, /localhost\s*: ok=\d+ .*failed=0/);
        t.true((await c.container.inspect()).State.Running, `${component} runs`);
        // provisioned for its role, and each service started after provisioning set its log level
        t.regex(await exec(c.container, ['cat', '/etc/contrail/provisioned']), new RegExp(`^role=${component}\\nversion=${DEMO_VERSION.replace(/\./g, '\\.')}\\n`));
        for (const s of services) {
          const line = await c.waitFor(new RegExp(`${s} 4\\.0\\.0\\.0-20: settings in /etc/contrail/${s}\\.conf \\(log_level SYS_INFO\\)`));
          t.truthy(line);
        }
        await c.container.stop({ t: 60 });
        t.is(await c.ended, 0, c.output());
        for (const s of services) t.regex(c.output(), new RegExp(`^${s}: stopped by SIGTERM$`, 'm'));
        t.regex(c.output(), new RegExp(`contrail-entrypoint: stopped by SIGTERM: the services of role ${component} have ended`));
        t.notRegex(c.output(), /FATAL/);
      } finally {
        await removed(c.container);
      }
    }
  });
});

test.serial('the compiled services carry the controller commit they were built from', async (t) => {
  const d = await demoFamily();
  const manifest = JSON.parse(fs.readFileSync(path.join(d.config.workDir, 'packages', 'manifest.json'), 'utf8'));
  const controller = manifest.sources.find((s: { name: string }) => s.name === 'contrail').sandbox.projects.find((p: { name: string }) => p.name === 'contrail-controller');
  const c = await start(imageRef('analytics', OS, DEMO_VERSION), ['CONTRAIL_PROVISION=skip']);
  try {
    const out = await c.waitFor(/contrail-analytics 4\.0\.0\.0-20: settings in \S+ \(log_level \w+\), built from controller [0-9a-f]{12}; running/);
    t.regex(out, new RegExp(`built from controller ${controller.commit.slice(0, 12)}; running`));
    t.regex(out, /CONTRAIL_PROVISION=skip: not provisioning/);
  } finally {
    await removed(c.container);
  }
});

test.serial('a service that ends by itself stops the others: FATAL, exit 1', async (t) => {
  // contrail-lib prints its version and ends: not a service
  const c = await start(imageRef('controller', OS, DEMO_VERSION), ['CONTRAIL_PROVISION=skip', 'CONTRAIL_SERVICES=contrail-control contrail-lib']);
  try {
    t.is(await c.ended, 1, c.output());
    t.regex(c.output(), /contrail-entrypoint: FATAL: service contrail-lib of role controller ended by itself \(exit 0\); stopped the others/);
  } finally {
    await removed(c.container);
  }
});

test.serial('docker stop while provisioning: the playbook is stopped, no service starts, exit 143', async (t) => {
  const slow = '- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - name: A long provisioning\n      ansible.builtin.command: sleep 600\n';
  const c = await start(imageRef('controller', OS, DEMO_VERSION), ['CONTRAIL_PLAYBOOK=/tmp/slow.yml'], { 'tmp/slow.yml': slow });
  try {
    await c.waitFor(/TASK \[A long provisioning\]/);
    await c.container.stop({ t: 60 });
    t.is(await c.ended, 143, c.output());
    t.regex(c.output(), /contrail-entrypoint: stopped by SIGTERM while provisioning role controller; no service was started/);
    t.notRegex(c.output(), /starting contrail-/);
  } finally {
    await removed(c.container);
  }
});
