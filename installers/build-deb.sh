#!/usr/bin/env bash
# Build the Debian package from the PyInstaller bundle.
# Usage: bash installers/build-deb.sh [BUNDLE_DIR]      (default dist/slm-assistant)
#   DEB_COMPRESSION (xz|gzip|zstd|none, default xz: what every Debian and Ubuntu dpkg reads; zstd needs
#   dpkg >= 1.21.18), DEB_LEVEL (default 1: ~1.5 min for the 1.5 GB bundle), DEB_VERSION (default: the app's)
# Installs: /opt/slm-assistant (the bundle), /usr/bin/slm-assistant, a desktop entry, hicolor icons,
# and /etc/slm-assistant/policy.json, a conffile: an edited policy is kept across upgrades.
# Prints the .deb's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bundle=${1:-dist/slm-assistant}
[ -x "$bundle/slm-assistant" ] || { echo "No Linux bundle at $bundle: run 'bash installers/build-bundle.sh' first." >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "dpkg-deb is missing (apt-get install dpkg)" >&2; exit 1; }

version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop_app/__init__.py)
version=${DEB_VERSION:-$version}  # tests build a "newer" package to check upgrades
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
out_dir=${OUT_DIR:-dist}
pkg=build/deb/slm-assistant
rm -rf build/deb
mkdir -p "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
  "$pkg/usr/share/doc/slm-assistant" "$pkg/etc/slm-assistant" "$out_dir"

# Hard links when possible: the bundle is large and dpkg-deb only reads it.
cp -al "$bundle" "$pkg/opt/slm-assistant" 2>/dev/null || cp -a "$bundle" "$pkg/opt/slm-assistant"
ln -s /opt/slm-assistant/slm-assistant "$pkg/usr/bin/slm-assistant"
install -m 0644 installers/linux/slm-assistant.desktop "$pkg/usr/share/applications/slm-assistant.desktop"
for size in 16 24 32 48 64 128 256 512; do
  install -D -m 0644 "resources/icons/slm-assistant-$size.png" "$pkg/usr/share/icons/hicolor/${size}x${size}/apps/slm-assistant.png"
done
install -D -m 0644 resources/icons/slm-assistant.svg "$pkg/usr/share/icons/hicolor/scalable/apps/slm-assistant.svg"
install -m 0644 installers/linux/policy.json "$pkg/etc/slm-assistant/policy.json"
install -m 0644 installers/linux/copyright "$pkg/usr/share/doc/slm-assistant/copyright"
printf 'slm-assistant (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- SLM Assistant team <it@slm-assistant.example>  %s\n' \
  "$version" "$version" "$(date -R)" | gzip -9n > "$pkg/usr/share/doc/slm-assistant/changelog.Debian.gz"

if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$pkg/usr/share/applications/slm-assistant.desktop"
fi

echo /etc/slm-assistant/policy.json > "$pkg/DEBIAN/conffiles"
installed_kb=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: slm-assistant
Version: $version
Architecture: $arch
Maintainer: SLM Assistant team <it@slm-assistant.example>
Installed-Size: $installed_kb
Section: utils
Priority: optional
Depends: libc6 (>= 2.31), libegl1, libgl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, libfreetype6, libdbus-1-3, libglib2.0-0, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-render0, libxcb-shape0, libxcb-shm0, libxcb-sync1, libxcb-util1, libxcb-xfixes0, libxcb-xkb1
Recommends: fonts-dejavu-core
Homepage: https://slm-assistant.example
Description: Offline AI assistant with a bundled small language model
 SLM Assistant answers questions with a small language model (Qwen2.5 Coder 0.5B Instruct)
 that runs on this computer, searches your PDF and text documents with page
 citations, and hands a question to a cloud model only when the organisation's
 policy allows it. Machine policy: /etc/slm-assistant/policy.json.
CONTROL

deb="$root/$out_dir/slm-assistant_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" -z"${DEB_LEVEL:-1}" --build "$pkg" "$deb" >/dev/null
echo "$deb"
