#!/usr/bin/env bash
# Build and sign the Windows MSI on Linux with wixl (msitools) and osslsigncode.
# Usage: bash installers/build-msi.sh [BUNDLE_DIR]      (default dist/slm-assistant)
#   SIGN_CERT / SIGN_KEY   PEM code-signing certificate (chain) and key; when unset, a throwaway
#                          self-signed certificate is generated (and the script says so).
#   SIGN_TIMESTAMP_URL     RFC 3161 timestamp server (optional; needs network).
#   MSI_VERSION            ProductVersion (default: the app's version)
# Prints the signed MSI's path on the last line.
#
# What this proves: the MSI recipe (tables, properties, upgrade logic, signing). Built around a
# Linux bundle it is not a Windows program; the release MSI wraps a bundle built on Windows
# (installers/windows/build.ps1) from the very same SLMAssistant.wxs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bundle=${1:-dist/slm-assistant}
[ -d "$bundle" ] || { echo "No bundle at $bundle: run 'bash installers/build-bundle.sh' first." >&2; exit 1; }
for tool in wixl wixl-heat msibuild msiinfo osslsigncode openssl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install wixl msitools osslsigncode openssl" >&2; exit 1; }
done

version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop_app/__init__.py)
version=${MSI_VERSION:-$version}  # tests build a "newer" package to check upgrades
out_dir=${OUT_DIR:-dist}
work=build/msi
rm -rf "$work"
mkdir -p "$work" "$out_dir"

# wixl refuses absolute source paths: give it the bundle and icon under the work folder.
ln -s "$(cd "$bundle" && pwd)" "$work/bundle"
cp resources/icons/slm-assistant.ico "$work/"
if [ -e "$bundle/SLM Assistant.exe" ]; then launcher="SLM Assistant.exe"      # a Windows bundle
elif [ -e "$bundle/slm-assistant.exe" ]; then launcher="slm-assistant.exe"
else launcher="slm-assistant"; fi                                                  # a Linux bundle (recipe check)

cd "$work"
# The file list comes from the bundle folder (heat.exe does the same on Windows).
(cd bundle && find . -type f | LC_ALL=C sort | sed 's|^\./|bundle/|') \
  | wixl-heat -p bundle/ --component-group BundleFiles --var var.SourceDir --directory-ref INSTALLDIR --win64 > files.wxs
wixl -a x64 -D WIXL=1 -D Win64=yes -D "Version=$version" -D SourceDir=bundle -D IconFile=slm-assistant.ico \
  -D "Launcher=$launcher" -o unsigned.msi "$root/installers/windows/SLMAssistant.wxs" files.wxs \
  2> >(grep -v "no property named 'Platform'" >&2)
python3 "$root/installers/windows/wixl_patch.py" "$root/installers/windows/SLMAssistant.wxs" unsigned.msi

if [ -n "${SIGN_CERT:-}" ] && [ -n "${SIGN_KEY:-}" ]; then
  cert=$SIGN_CERT key=$SIGN_KEY
else
  echo "SIGN_CERT/SIGN_KEY not set: signing with a THROWAWAY self-signed certificate (not trusted by Windows)." >&2
  openssl req -x509 -newkey rsa:3072 -nodes -days 30 -keyout throwaway-key.pem -out throwaway-cert.pem \
    -subj "/CN=SLM Assistant throwaway test signing/O=SLM Assistant team" \
    -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" 2>/dev/null
  cert=$PWD/throwaway-cert.pem key=$PWD/throwaway-key.pem
fi
timestamp=()
[ -n "${SIGN_TIMESTAMP_URL:-}" ] && timestamp=(-ts "$SIGN_TIMESTAMP_URL")
msi="$root/$out_dir/SLMAssistant-$version-x64.msi"
rm -f "$msi"
osslsigncode sign -certs "$cert" -key "$key" -h sha256 -n "SLM Assistant" -i "https://slm-assistant.example" \
  "${timestamp[@]}" -in unsigned.msi -out "$msi" >/dev/null
echo "Signed with $(openssl x509 -in "$cert" -noout -subject)" >&2
echo "$msi"
