#!/usr/bin/env bash
# Installs the pinned code-generation tools and puts them on PATH.
#
#   source scripts/tools.sh        # installs if needed, then exports PATH
#   eval "$(scripts/tools.sh)"     # same, from a script or another shell
#
# Everything goes into one cache dir outside the repo (override with
# POWERREG_TOOLS_DIR), so a fresh machine gets the same versions CI uses and
# re-running is cheap. Install output goes to stderr; stdout carries only the
# `export PATH=...` line.

POWERREG_TOOLS_DIR="${POWERREG_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/powerreg-tools}"

# buf is pinned here rather than in a package.json: it is the only npm package
# the repo uses.
POWERREG_BUF_VERSION=1.75.0

# Runs in a subshell so that `set -e` does not leak into a shell that sources us.
(
  set -euo pipefail
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

  # buf (lint, format, generate) is published on npm as a prebuilt binary.
  # Skip npm entirely when the pinned version is already there. The package's
  # postinstall only swaps its JS launcher for the native binary, an
  # optimisation that newer npm blocks with a warning anyway: we skip it.
  buf_bin="$POWERREG_TOOLS_DIR/npm/node_modules/.bin/buf"
  if [[ "$("$buf_bin" --version 2>/dev/null || true)" != "$POWERREG_BUF_VERSION" ]]; then
    echo "tools.sh: installing buf $POWERREG_BUF_VERSION" >&2
    mkdir -p "$POWERREG_TOOLS_DIR/npm"
    npm install --prefix "$POWERREG_TOOLS_DIR/npm" --no-save --no-audit --no-fund --ignore-scripts \
      "@bufbuild/buf@$POWERREG_BUF_VERSION" >&2
  fi

  # The protoc plugins buf.gen.yaml calls are pinned as Go tools in
  # tools/go.mod. GOBIN puts exactly those builds in our own bin dir, so a
  # stale copy in GOPATH/bin can't be picked up; go install is a no-op when
  # they are already up to date.
  GOBIN="$POWERREG_TOOLS_DIR/bin" go -C "$repo_root/tools" install tool >&2
) || return 1 2>/dev/null || exit 1

POWERREG_TOOLS_PATH="$POWERREG_TOOLS_DIR/bin:$POWERREG_TOOLS_DIR/npm/node_modules/.bin"
if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  # Sourced: put the tools first on this shell's PATH.
  export PATH="$POWERREG_TOOLS_PATH:$PATH"
else
  # Executed: tell the caller what to eval.
  printf 'export PATH="%s:$PATH"\n' "$POWERREG_TOOLS_PATH"
fi
