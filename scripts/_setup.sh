# Shared by scripts/demo and scripts/test: a virtual environment with the pinned
# requirements, and the GOV.UK Frontend assets built into static/govuk/.
# Steps are skipped when nothing they depend on has changed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)." >&2
  exit 1
}

# The installer: uv, pinned, put into .venv by pip. It installs the pins from its cache in seconds
# (and compiles their bytecode on every core), where pip alone spends about a minute and a half of
# CPU unpacking and compiling them one by one. Where uv cannot be had (no network, another platform)
# pip does the same work.
UV_VERSION=0.13.9

# install_requirements <requirements file>: install the file's pins into .venv.
install_requirements() {
  if [ ! -x .venv/bin/uv ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" >/dev/null 2>&1 || true
  fi
  if [ -x .venv/bin/uv ] &&
     .venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode -r "$1"; then
    return
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$1"
}

# ensure_python <requirements file>: create .venv and install the file's pins.
ensure_python() {
  local requirements="$1"
  if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv"
    "$(find_python)" -m venv .venv
  fi
  local stamp=".venv/.installed-$(cat "$requirements" requirements.txt | sha256sum | cut -c1-16)-$(basename "$requirements")"
  if [ ! -f "$stamp" ]; then
    echo "Installing $requirements"
    install_requirements "$requirements"
    touch "$stamp"
  fi
}

# ensure_assets: install the pinned npm packages and build static/govuk/.
ensure_assets() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "Node.js and npm are required to build the GOV.UK Frontend assets." >&2
    exit 1
  fi
  local stamp="node_modules/.installed-$(cat package-lock.json | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing front-end packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
  if [ ! -f static/govuk/custodian.css ] || [ frontend/custodian.scss -nt static/govuk/custodian.css ] ||
     [ package-lock.json -nt static/govuk/custodian.css ]; then
    npm run --silent build
  fi
}
