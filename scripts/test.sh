#!/bin/sh
# Quick start, step 2: install what is needed, then run the whole test suite (unit tests and
# the integration test that builds and boots a real image).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
npm test
