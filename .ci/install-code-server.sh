#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3 for the web) and Debian's Chromium so
# test/vscode/runInCodeServer.ts can run the extension's suite in a real VS Code.
# Idempotent: a second run only checks and prints the path.
# Why each workaround exists: docs/VSCODE-HARNESS.md.
set -euo pipefail

CS_VERSION=4.100.3   # newest code-server whose engines.node is 20
CS_DIR="${PACCHETTINO_CODE_SERVER_DIR:-$HOME/.cache/pacchettino/code-server-$CS_VERSION}"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"

log() { echo "[install-code-server] $*" >&2; }

# --- Debian packages: chromium for the workbench; the rest build code-server's
# native addons (kerberos' prebuilt download fails here, so it compiles) and
# provide rg for @vscode/ripgrep.
need=()
for p in chromium libkrb5-dev build-essential python3 pkg-config ripgrep; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Runs, and the nested postinstalls produced what the extension host needs.
VSCODE_NM="$CS_DIR/node_modules/code-server/lib/vscode/node_modules"
cs_works() {
  [[ -x "$CS_BIN" ]] && "$CS_BIN" --version >/dev/null 2>&1 &&
    [[ -x "$VSCODE_NM/@vscode/ripgrep/bin/rg" && -f "$VSCODE_NM/node-pty/build/Release/pty.node" ]]
}

if cs_works; then
  log "already installed: $("$CS_BIN" --version | head -1)"
else
  start=$(date +%s)
  # A half-done earlier try would look installed to npm and skip the postinstalls.
  rm -rf "$CS_DIR/node_modules" "$CS_DIR/package-lock.json"
  mkdir -p "$CS_DIR"
  # Own short TMPDIR: @vscode/ripgrep's postinstall looks for its download in
  # $TMPDIR/vscode-ripgrep-cache-1.15.11/ before going to GitHub (unreachable).
  # A tarball of Debian's rg under the expected name satisfies it.
  tmp="$CS_DIR/.tmp"
  rgcache="$tmp/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$rgcache"
  tar -czf "$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C /usr/bin rg

  # A package.json of its own so this install never touches the repo's tree.
  # allowScripts: npm 11 asks for install-script review (name-only entries:
  # this machine's npm config omits resolved URLs, which pinned entries need).
  # code-server's postinstall then runs nested npm installs in lib/vscode whose
  # own scripts npm 11.19 still runs, with a notice; cs_works checks their output.
  cat >"$CS_DIR/package.json" <<EOF
{
  "name": "pacchettino-code-server",
  "private": true,
  "dependencies": { "code-server": "$CS_VERSION" },
  "allowScripts": { "code-server": true, "argon2": true }
}
EOF
  log "npm install code-server@$CS_VERSION into $CS_DIR (a few minutes)"
  # unsafe_perm: code-server's postinstall.sh refuses root without it (npm 11
  # warns it is an unknown config, but the script reads the env var itself).
  # yes: node-pty's postinstall runs `npx node-gyp`, and npm config here says yes=false.
  # ignore_scripts=false: in case a user config disables scripts; they are the point.
  # foreground-scripts: postinstall output (and errors) show up in the log.
  (cd "$CS_DIR" && \
    TMPDIR="$tmp" npm_config_unsafe_perm=true npm_config_yes=true \
    npm_config_ignore_scripts=false npm_config_audit=false npm_config_fund=false \
    npm install --foreground-scripts --loglevel=warn) >&2
  rm -rf "$tmp"
  cs_works || { log "code-server installed but does not run: $CS_BIN"; exit 1; }
  log "installed $("$CS_BIN" --version | head -1) in $(( $(date +%s) - start ))s"
fi

echo "$CS_BIN"
