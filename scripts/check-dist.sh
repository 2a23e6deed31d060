#!/usr/bin/env bash
# The runner executes the committed dist/, not src/: fail when dist/ is not the bundle of today's src/.
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ncc build src/index.ts -o "$out" --license licenses.txt --minify >/dev/null
if ! diff -rq dist "$out" >/dev/null; then
  diff -rq dist "$out" || true
  echo "dist/ is not the bundle of src/: run 'npm run build' and commit dist/." >&2
  exit 1
fi
echo "dist/ matches src/."
