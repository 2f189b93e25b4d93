import test from 'ava';
import { argsOnEngine } from '../../lib/images/engineArgs';
import { argHashes } from '../../lib/images/inputs';

test('an engine with its own repo container: the URL and pin host are its own, the input hash is not touched', (t) => {
  const args = { CONTRAIL_REPO_URL: 'http://127.0.0.1:19041', CONTRAIL_REPO_HOST: '127.0.0.1', CONTRAIL_VERSION: '4.0' };
  const on = argsOnEngine(args, 'http://[::1]:19042');
  t.deepEqual(on, { CONTRAIL_REPO_URL: 'http://[::1]:19042', CONTRAIL_REPO_HOST: '::1', CONTRAIL_VERSION: '4.0' });
  t.deepEqual(argHashes(on), argHashes(args));
  // an image that does not take the repo's arguments gets none
  t.deepEqual(argsOnEngine({ CONTRAIL_VERSION: '4.0' }, 'http://127.0.0.1:19042'), { CONTRAIL_VERSION: '4.0' });
});
