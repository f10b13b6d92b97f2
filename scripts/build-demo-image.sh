#!/usr/bin/env bash
# Builds a small busybox image without internet (busybox-static + umoci) and writes it as an OCI
# archive named gantry.local/busybox:1, ready for `gantry image import`.
#   scripts/build-demo-image.sh OUT.tar
set -euo pipefail
out="$(realpath -m "${1:-busybox.tar}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
umoci init --layout layout >/dev/null
umoci new --image layout:1 >/dev/null
umoci unpack --image layout:1 bundle >/dev/null
R=bundle/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/www"
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
umoci repack --image layout:1 bundle >/dev/null
umoci config --image layout:1 --config.cmd sh --config.env PATH=/bin --config.workingdir / >/dev/null
rm -f "$out"
skopeo copy -q oci:layout:1 "docker-archive:$out:gantry.local/busybox:1"
echo "$out"
