#!/usr/bin/env bash
# Debian packages the tests need: Java 17 + Maven (Neo4j test server) and Chromium (browser
# test of the chat UI). Installed only when missing.
set -euo pipefail
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Korean glyphs for the UI screenshots (the browser test passes without them).
[[ -d /usr/share/fonts/opentype/noto ]] || missing+=(fonts-noto-cjk)
if (( ${#missing[@]} )); then
    echo "system-deps: installing ${missing[*]}" >&2
    SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
fi
