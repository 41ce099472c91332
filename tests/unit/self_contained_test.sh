#!/bin/sh
# The repository stands on its own: no tracked file may point outside it at the sibling
# `shared` folder that Gantry's early checkouts read their EC2 facts from (they live in
# cloudprovider/catalog/data/ now). Without git (a source tarball), every file below the
# root is checked instead, build folders and .git aside.
# Usage: self_contained_test.sh SOURCE_DIR
set -eu
cd "${1:?usage: self_contained_test.sh SOURCE_DIR}"
# Spelled in two pieces, and never whole in a message, so that this file does not match itself.
pattern='\.\./'"shared"
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
  hits=$(git grep -n -I -e "$pattern" -- . || true)
else
  hits=$(grep -rnI --exclude-dir=.git --exclude-dir='build*' -e "$pattern" . || true)
fi
if [ -n "$hits" ]; then
  echo "these files refer outside the repository (to $pattern); vendor what they need:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "no file refers outside the repository"
