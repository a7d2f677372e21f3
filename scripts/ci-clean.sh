#!/usr/bin/env bash
# Run .ci/run as CI does, where nothing was set up by hand: a Debian bookworm root made by
# debootstrap (git only), Go and rustup's cargo copied in as a machine of this kind has them, a
# fresh clone of main, the shared corpus read-only beside it, and no nix, no pre-commit, no
# nixbld group, empty Go, cargo and Nix caches. Run as root; needs debootstrap and bubblewrap
# (apt-get install debootstrap bubblewrap).
#
#   scripts/ci-clean.sh [ROOT]        (default ROOT: /srv/lockguard-ci)
#
# bubblewrap gives the run its own mount namespace and root (pivot_root): Nix 2.8 re-enters
# the mount namespace it started in before it runs git, which a plain chroot does not survive.
set -euo pipefail
R=${1:-/srv/lockguard-ci}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$here/../shared" && pwd)

if [ ! -x "$R/bin/bash" ]; then
  debootstrap --variant=minbase --include=ca-certificates,git,xz-utils bookworm "$R" http://deb.debian.org/debian
fi
# What a fresh machine of this kind has: Go, rustup's cargo, the machine's CA certificates.
rm -rf "$R/usr/local/go" && cp -a "$(go env GOROOT)" "$R/usr/local/go"
for d in .cargo .rustup; do
  [ -d "$HOME/$d" ] && rm -rf "${R:?}/root/$d" && cp -a "$HOME/$d" "$R/root/$d"
done
rm -rf "$R/root/.cargo/registry" "$R/root/.cargo/git"
cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
cp /etc/resolv.conf "$R/etc/resolv.conf"

run() {
  bwrap --bind "$R" / --dev-bind /dev /dev --proc /proc --bind /sys /sys --perms 1777 --tmpfs /tmp \
    --unshare-pid --die-with-parent "$@"
}
# Undo what an earlier run installed.
run /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c '
  apt-get purge -y -qq nix-bin pre-commit strace >/dev/null 2>&1 || true
  apt-get autoremove -y -qq --purge >/dev/null 2>&1 || true
  rm -rf /nix /etc/nix /root/.cache /root/.config/nix /root/.local/state/nix /root/go
  echo "left over from earlier runs: $(command -v nix-instantiate pre-commit strace) $(getent group nixbld)"'

rm -rf "$R/ci" && mkdir -p "$R/ci"
git clone -q -b main "$here" "$R/ci/main"
git -C "$R/ci/main" log --oneline -1
cp -a "$shared" "$R/ci/shared" && chmod -R a-w "$R/ci/shared"
run /usr/bin/env -i HOME=/root TERM=dumb CI=true \
  PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt GIT_SSL_CAINFO=/etc/ssl/certs/ca-certificates.crt \
  NIX_SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  bash -c 'cd /ci/main && time bash .ci/run </dev/null'
