#!/usr/bin/env bash
# Refresh constraints.txt: resolve pyproject.toml's ranges afresh (every extra) in a
# throw-away venv and pin every package it installed, direct and transitive.
# Run it (`make lock`), run `make test`, and commit constraints.txt when the suite passes.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
ALL_EXTRAS=$("$PYTHON" - <<'PY'
import tomllib
with open("pyproject.toml", "rb") as f:
    print(",".join(tomllib.load(f)["project"].get("optional-dependencies", {})))
PY
)
work=$(mktemp -d "${TMPDIR:-/tmp}/bendspace-lock.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "lock: resolving pyproject.toml's ranges with extras [$ALL_EXTRAS] in a fresh venv"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade pip 2>&1 | grep -v "WARNING: Location" || true
# torch first, as the set-up does (a bare 'torch' would pull a CUDA build)
"$work/venv/bin/pip" install -q "$TORCH_SPEC" 2>&1 | grep -v "WARNING: Location" || true
"$work/venv/bin/pip" install -q ".[$ALL_EXTRAS]" 2>&1 | grep -v "WARNING: Location" || true

{
  echo "# Every package the set-up installs, pinned: scripts/setup.sh passes this file to pip"
  echo "# as constraints (pip install -c), so make demo and make test install exactly these."
  echo "# Made by 'make lock' (scripts/lock.sh) with $("$work/venv/bin/python" -V), extras [$ALL_EXTRAS];"
  echo "# tests/test_lock.py fails when pyproject.toml and this file disagree."
  "$work/venv/bin/pip" freeze --exclude-editable 2>/dev/null | grep -v -i '^bendspace' | LC_ALL=C sort -f
} > "$work/constraints.txt"
mv "$work/constraints.txt" constraints.txt
echo "lock: wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
