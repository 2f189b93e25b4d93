#!/usr/bin/env python3
"""Fetches the third-party sources that packages.xml names, as contrail-third-party's
fetch_packages.py does for the real sandbox: each tarball is downloaded (kept in cache/), its
sha256 checked against packages.xml, and unpacked into its unpack-directory beside this script.
A source already unpacked from a tarball with that sha256 is left as it is.

    python3 third_party/fetch_packages.py [--cache-dir DIR]
"""
import argparse
import hashlib
import os
import shutil
import sys
import tarfile
import urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(message):
    print('fetch_packages: ' + message, file=sys.stderr)
    sys.exit(1)


def packages(path):
    for element in ET.parse(path).getroot().findall('package'):
        fields = {f: (element.findtext(f) or '').strip() for f in ('name', 'url', 'local-filename', 'sha256', 'unpack-directory')}
        missing = [f for f, v in fields.items() if not v]
        if missing:
            fail('%s: a package without %s' % (path, ', '.join(missing)))
        yield fields


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 16), b''):
            digest.update(block)
    return digest.hexdigest()


def download(url, dest):
    print('fetch_packages: downloading %s' % url)
    try:
        with urllib.request.urlopen(url, timeout=60) as answer, open(dest + '.part', 'wb') as out:
            shutil.copyfileobj(answer, out)
    except OSError as e:
        fail('cannot download %s: %s' % (url, e))
    os.replace(dest + '.part', dest)


def unpack(tarball, directory):
    target = os.path.join(HERE, directory)
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = os.path.normpath(member.name)
            if name.startswith(('/', '..')) or not (member.isfile() or member.isdir()):
                fail('%s: refusing entry %s' % (tarball, member.name))
        tar.extractall(HERE)
    if not os.path.isdir(target):
        fail('%s did not unpack into %s' % (tarball, directory))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cache-dir', default=os.path.join(HERE, 'cache'))
    args = parser.parse_args()
    os.makedirs(args.cache_dir, exist_ok=True)
    for p in packages(os.path.join(HERE, 'packages.xml')):
        tarball = os.path.join(args.cache_dir, p['local-filename'])
        stamp = os.path.join(HERE, p['unpack-directory'], '.sha256')
        if os.path.exists(stamp) and open(stamp).read().strip() == p['sha256']:
            print('fetch_packages: %s is unpacked' % p['name'])
            continue
        if not os.path.exists(tarball) or sha256_of(tarball) != p['sha256']:
            download(p['url'], tarball)
        got = sha256_of(tarball)
        if got != p['sha256']:
            os.remove(tarball)
            fail('%s: sha256 is %s, packages.xml expects %s' % (p['url'], got, p['sha256']))
        unpack(tarball, p['unpack-directory'])
        with open(stamp, 'w') as f:
            f.write(p['sha256'] + '\n')
        print('fetch_packages: %s unpacked into third_party/%s' % (p['name'], p['unpack-directory']))


if __name__ == '__main__':
    main()
