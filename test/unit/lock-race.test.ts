import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lockPath } from '../../lib/lock';
import { tempDir } from '../helpers/temp';

const ROUNDS = 150;
const racer = path.join(__dirname, '..', 'fixtures', 'lock-racer.ts');

function runRacer(root: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'esbuild-register', racer, root, String(ROUNDS)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`racer exited ${code}: ${err}`))));
  });
}

test('two runs that both find a stale lock: exactly one takes it over, every time', async (t) => {
  const root = tempDir();
  // a pid that is not running: the lock's holder is gone
  const dead = 2 ** 22 + 12345;
  for (let i = 0; i < ROUNDS; i++) {
    const dir = path.join(root, String(i));
    fs.mkdirSync(dir);
    fs.writeFileSync(lockPath(dir), JSON.stringify({ pid: dead, host: os.hostname(), startedAt: '2020-01-01T00:00:00.000Z', task: 'died' }));
  }
  await Promise.all([runRacer(root), runRacer(root)]);
  const doubles: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const winners = fs.readdirSync(path.join(root, String(i))).filter((f) => f.startsWith('winner-'));
    t.true(winners.length >= 1, `round ${i}: someone took the lock over`);
    if (winners.length > 1) doubles.push(`round ${i}: ${winners.join(', ')}`);
  }
  t.deepEqual(doubles, [], 'never two runs holding one work folder');
});
