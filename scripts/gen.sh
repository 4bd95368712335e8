#!/usr/bin/env bash
# Regenerates gen/ from proto/powerreg with the pinned tools (see buf.gen.yaml
# and buf.gen.store.yaml).
# Usage: scripts/gen.sh   (from anywhere)
#
# buf.gen.yaml has no `clean: true`, so hand-written gen/openapiv2/embed.go
# survives; remove stale generated files by hand if a .proto is deleted
# (.ci/run's regeneration check reports them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/tools.sh
buf generate
buf generate --template buf.gen.store.yaml
