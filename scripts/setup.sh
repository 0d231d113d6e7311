#!/usr/bin/env bash
# Install what the project needs, once: system headers, a .venv, torch, the project.
# Idempotent: every step checks first and skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
EXTRAS=${EXTRAS:-dev}  # optional extras of pyproject.toml: "dev,cluster" adds dask for the tests

# 1. cairo and pango headers (ManimPango and pycairo build against them).
if ! pkg-config --exists cairo pangocairo 2>/dev/null; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing cairo and pango headers with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
      libcairo2-dev libpango1.0-dev pkg-config >/dev/null
  else
    echo "setup: the cairo and pango development headers are missing and apt-get is not available;" \
         "install cairo, pango and pkg-config with your package manager (macOS: brew install cairo pango pkg-config), then run make again" >&2
    exit 1
  fi
fi

# 2. the virtual environment.
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi

# 3. torch first (a bare 'torch' requirement would pull a multi-GB CUDA build).
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "setup: installing $TORCH_SPEC"
  "$VENV/bin/pip" install -q "$TORCH_SPEC" 2>&1 | grep -v "WARNING: Location" || true
  "$VENV/bin/python" -c "import torch" || {
    echo "setup: torch did not install; for the CPU-only build elsewhere use" \
         "pip install torch --index-url https://download.pytorch.org/whl/cpu" >&2
    exit 1
  }
fi

# 4. the project itself, editable, with the test tools (and Dask when EXTRAS asks for it),
#    at the versions of constraints.txt (the lock: every package pinned; `make lock` refreshes
#    it). torch is left out of the constraints: step 3 installed it from TORCH_SPEC.
stamp="$VENV/.bendspace-installed-${EXTRAS//,/-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "setup: installing the project (editable) and its dependencies, pinned by constraints.txt"
  constraints=$(mktemp "${TMPDIR:-/tmp}/bendspace-constraints.XXXXXX")
  grep -v -i '^torch==' constraints.txt > "$constraints"
  status=0
  "$VENV/bin/pip" install -q -c "$constraints" -e ".[$EXTRAS]" 2>&1 | grep -v "WARNING: Location" || status=${PIPESTATUS[0]}
  rm -f "$constraints"
  [ "$status" -eq 0 ] || { echo "setup: pip could not install the pinned versions of constraints.txt (exit $status)" >&2; exit 1; }
  "$VENV/bin/python" -c "import manim, model, av" || exit 1
  touch "$stamp"
fi

# 5. headless Chromium for the gallery test (tests/rendering/test_page.py); optional.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing chromium with apt-get (the gallery test opens the page in it)"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } \
      || echo "setup: chromium did not install; the gallery test will be skipped" >&2
  else
    echo "setup: chromium is missing and apt-get is not available; the gallery test will be skipped" >&2
  fi
fi

# 6. TeX for the typeset formulas (MathTex, DecimalMatrix): what manim's default template needs.
#    Its \documentclass{standalone} is only in texlive-latex-extra, so that stays in the set.
#    Measured on Debian 12 with --no-install-recommends: 373 MiB installed (dpkg's
#    Installed-Size; apt says 391 MB); without latex-extra 215 MiB, but the template fails.
#    Without TeX the scenes still render: one warning line, formulas drawn as plain text.
TEX_PACKAGES="texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended dvisvgm"
if ! command -v latex >/dev/null 2>&1 || ! command -v dvisvgm >/dev/null 2>&1 \
   || ! kpsewhich standalone.cls >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing TeX for the formulas with apt-get (about 390 MB)"
    # shellcheck disable=SC2086  # the package list is meant to split
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        --no-install-recommends $TEX_PACKAGES >/dev/null; } \
      || echo "setup: TeX did not install; formulas will be drawn as plain text" >&2
  else
    echo "setup: TeX (latex, dvisvgm, standalone.cls) is missing and apt-get is not available;" \
         "formulas will be drawn as plain text until a TeX distribution is installed" >&2
  fi
fi

# 7. the narrator's voice: festival with the HTS voice cmu_us_slt (offline, deterministic),
#    espeak-ng as the fallback; the film's narration is synthesised with it (scenes/lib/voice.py).
if ! command -v text2wave >/dev/null 2>&1 || [ ! -d /usr/share/festival/voices/us/cmu_us_slt_arctic_hts ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing festival, its HTS voice and espeak-ng with apt-get (the film's narrator)"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
        festival festvox-us-slt-hts espeak-ng >/dev/null; } \
      || echo "setup: the speech engines did not install; render.py --film --no-voice makes the silent film" >&2
  else
    echo "setup: festival is missing and apt-get is not available; the film needs a voice (--voice DIR) or --no-voice" >&2
  fi
fi
