#!/usr/bin/env bash
# macOS build host: .app bundle -> signed (hardened runtime) -> DMG -> notarized -> stapled -> checked.
# Usage: APPLE_SIGN_IDENTITY="Developer ID Application: Org (TEAMID)" NOTARY_PROFILE=slm-notary \
#          bash installers/macos/build-dmg.sh
#   APPLE_SIGN_IDENTITY       Developer ID Application identity in the keychain (required)
#   NOTARY_PROFILE            keychain profile made once with `xcrun notarytool store-credentials`
#   APPLE_INSTALLER_IDENTITY  Developer ID Installer identity: also build a signed .pkg (optional)
#   SKIP_NOTARIZE=1           sign only (for a local test build)
#   SKIP_BUNDLE=1             reuse an existing "dist/SLM Assistant.app"
# Prints the DMG's path (and the .pkg's, when built) on the last line(s).
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(uname -s)" = Darwin ] || { echo "build-dmg.sh runs on macOS (codesign, hdiutil, notarytool)." >&2; exit 1; }
identity=${APPLE_SIGN_IDENTITY:?set APPLE_SIGN_IDENTITY to your Developer ID Application identity}
entitlements=installers/macos/entitlements.plist
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop_app/__init__.py)
app="dist/SLM Assistant.app"
dmg="$(pwd)/dist/SLMAssistant-$version.dmg"

if [ "${SKIP_BUNDLE:-0}" != 1 ]; then
  bash installers/build-bundle.sh >&2
fi
[ -d "$app" ] || { echo "No app bundle at $app" >&2; exit 1; }

# Our Info.plist (version from the source), and the icon it names.
cp installers/macos/Info.plist "$app/Contents/Info.plist"
/usr/libexec/PlistBuddy -c "Set :CFBundleShortVersionString $version" -c "Set :CFBundleVersion $version" "$app/Contents/Info.plist"
cp resources/icons/slm-assistant.icns "$app/Contents/Resources/slm-assistant.icns"
plutil -lint "$app/Contents/Info.plist" >&2

sign() {
  codesign --force --options runtime --timestamp --entitlements "$entitlements" --sign "$identity" "$@"
}

# Inside out: every Mach-O file (dylibs, Python extensions, Qt framework binaries, helper
# executables), deepest first; then each .framework; then the main executable; then the app.
# Signing the outside first would be invalidated by signing what is inside it afterwards.
while IFS= read -r -d '' f; do
  if file -b "$f" | grep -q "Mach-O"; then
    printf '%s\t%s\0' "$(tr -cd / <<<"$f" | wc -c)" "$f"
  fi
done < <(find "$app/Contents" -type f ! -path "*/MacOS/slm-assistant" -print0) \
  | sort -z -t$'\t' -k1,1nr | cut -z -f2- | while IFS= read -r -d '' f; do sign "$f"; done
find "$app/Contents" -type d -name "*.framework" -print0 | sort -zr | while IFS= read -r -d '' fw; do sign "$fw"; done
sign "$app/Contents/MacOS/slm-assistant"
sign "$app"
codesign --verify --deep --strict --verbose=2 "$app" >&2

# A compressed DMG with the app and an Applications link to drag it onto.
staging=build/dmg
rm -rf "$staging" "$dmg"
mkdir -p "$staging"
ditto "$app" "$staging/SLM Assistant.app"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "SLM Assistant $version" -srcfolder "$staging" -fs HFS+ -format UDZO \
  -imagekey zlib-level=9 -ov "$dmg" >&2
codesign --force --timestamp --sign "$identity" "$dmg"

pkg=""
if [ -n "${APPLE_INSTALLER_IDENTITY:-}" ]; then
  # For device-management tools that deploy .pkg files (Jamf, Intune, Munki).
  pkg="$(pwd)/dist/SLMAssistant-$version.pkg"
  pkgbuild --component "$app" --install-location /Applications --identifier com.slmassistant.app.pkg \
    --version "$version" --sign "$APPLE_INSTALLER_IDENTITY" --timestamp "$pkg" >&2
fi

if [ "${SKIP_NOTARIZE:-0}" != 1 ]; then
  profile=${NOTARY_PROFILE:?set NOTARY_PROFILE (xcrun notarytool store-credentials) or SKIP_NOTARIZE=1}
  for artefact in "$dmg" ${pkg:+"$pkg"}; do
    xcrun notarytool submit "$artefact" --keychain-profile "$profile" --wait >&2
    xcrun stapler staple "$artefact" >&2
    xcrun stapler validate "$artefact" >&2
  done
  spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg" >&2
  [ -z "$pkg" ] || spctl --assess --type install --verbose=2 "$pkg" >&2
fi
spctl --assess --type execute --verbose=2 "$app" >&2 || [ "${SKIP_NOTARIZE:-0}" = 1 ]

echo "$dmg"
[ -z "$pkg" ] || echo "$pkg"
