#!/usr/bin/env bash
# Makes sure what the pipeline needs on the host is there: a Docker engine that answers,
# debootstrap (to make a base OS image when none can be pulled), git, and pigz (save compresses
# its archives on every core with it; without it, save falls back to one-thread zlib).
# Where something is missing and we are root with apt-get, it is installed from the
# distribution; otherwise we say what to install and stop.
# Idempotent: a second call with everything in place does nothing and prints one line.
set -euo pipefail

ENGINE_ROOT="${CONTRAIL_DOCKER_ENGINE_ROOT:-/var/lib/contrail-docker/engine}"
need_pkgs=()

have() { command -v "$1" >/dev/null 2>&1; }
can_install() { [ "$(id -u)" = 0 ] && have apt-get; }

engine_answers() {
  if [ -n "${DOCKER_HOST:-}" ]; then
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1
  else
    [ -S /var/run/docker.sock ] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1
  fi
}

have git || need_pkgs+=(git)
have debootstrap || [ -x /usr/sbin/debootstrap ] || need_pkgs+=(debootstrap)
# optional: installed when we can, else only mentioned (save falls back to zlib)
if ! have pigz; then
  if can_install; then need_pkgs+=(pigz); else echo "ensure-engine: no pigz on PATH: save compresses on one core (install pigz for all cores)" >&2; fi
fi
if ! engine_answers; then
  { have dockerd || [ -x /usr/sbin/dockerd ]; } || need_pkgs+=(docker.io)
fi
# The push tests run a real registry; htpasswd makes its password file.
if [ "${1:-}" = "--with-test-tools" ]; then
  have docker-registry || need_pkgs+=(docker-registry)
  have htpasswd || need_pkgs+=(apache2-utils)
  # the TLS engine test makes its certificates; the engine tests stop a daemon's processes
  have openssl || need_pkgs+=(openssl)
  have pkill || need_pkgs+=(procps)
  # the SBOM test reads the referrers tag-schema index the way other tools do
  have skopeo || need_pkgs+=(skopeo)
  # the report test opens report.html in a real browser, headless (puppeteer-core drives it)
  [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
fi

if [ ${#need_pkgs[@]} -gt 0 ]; then
  if can_install; then
    echo "ensure-engine: installing ${need_pkgs[*]} from the distribution" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "ensure-engine: missing ${need_pkgs[*]}; install them (Debian: apt-get install ${need_pkgs[*]}) and run again" >&2
    exit 2
  fi
fi
export PATH="$PATH:/usr/sbin:/sbin"
have docker || { echo "ensure-engine: no docker client on PATH; install docker.io" >&2; exit 2; }

if engine_answers; then
  echo "ensure-engine: Docker engine $(docker version --format '{{.Server.Version}}') answers" >&2
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  echo "ensure-engine: DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-engine: no Docker engine answers on /var/run/docker.sock; start one (e.g. systemctl start docker) or join the docker group" >&2
  exit 2
fi

# No bridge and no iptables: this machine has no network beyond loopback, and every build
# and container of ours uses host networking.
mkdir -p "$ENGINE_ROOT/data" "$ENGINE_ROOT/exec"
echo "ensure-engine: starting dockerd (data under $ENGINE_ROOT, log $ENGINE_ROOT/dockerd.log)" >&2
nohup dockerd --bridge=none --iptables=false --ip6tables=false \
  --data-root "$ENGINE_ROOT/data" --exec-root "$ENGINE_ROOT/exec" \
  --pidfile "$ENGINE_ROOT/dockerd.pid" \
  >>"$ENGINE_ROOT/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if engine_answers; then
    echo "ensure-engine: Docker engine $(docker version --format '{{.Server.Version}}') answers" >&2
    exit 0
  fi
  sleep 0.5
done
echo "ensure-engine: dockerd did not answer within 30 s; see $ENGINE_ROOT/dockerd.log" >&2
tail -n 20 "$ENGINE_ROOT/dockerd.log" >&2 || true
exit 1
