#!/usr/bin/env bash
# Builds the embedded English->French corpus from the French gettext catalogs (.mo) of the
# Debian packages pinned in scripts/corpus-packages.txt (what it holds and how it is built
# is documented there): apt-get download into a cache (SHA-256 checked), extract only the
# fr catalogs with dpkg-deb | tar (nothing is installed), then `s2sbench corpus`.
#
# usage: scripts/get-corpus.sh [DIR]        build DIR (default data/enfr-l10n)
#        scripts/get-corpus.sh --pin         rewrite the pins with the archive's current
#                                            versions and SHA-256 (maintainers)
# env:   S2S_DEB_CACHE (data/debs), S2SBENCH (build/s2sbench), S2S_CORPUS_MIN_TRAIN (50000),
#        S2S_CORPUS_PACKAGES (another package list, for tests)
# Idempotent: cached, verified .debs and extracted catalogs are reused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
list="${S2S_CORPUS_PACKAGES:-$root/scripts/corpus-packages.txt}"
pin=0
case "${1:-}" in
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --pin) pin=1; shift ;;
esac
out="${1:-$root/data/enfr-l10n}"
cache="${S2S_DEB_CACHE:-$root/data/debs}"
bin="${S2SBENCH:-$root/build/s2sbench}"
min_train="${S2S_CORPUS_MIN_TRAIN:-50000}"
start=$SECONDS
say() { printf 'get-corpus: %s\n' "$*"; }
warn() { printf 'get-corpus: WARNING: %s\n' "$*" >&2; }
die() { printf 'get-corpus: error: %s\n' "$*" >&2; exit 1; }

for tool in apt-get dpkg-deb tar sha256sum; do
  command -v "$tool" >/dev/null || die "'$tool' not found: this script needs a Debian-based system"
done

# --- the package list: "package version arch family sha256", and "split dev|test FAMILIES"
pkgs=() vers=() archs=() fams=() shas=()
dev="" test=""
while read -r a b c d e rest; do
  case "$a" in '' | '#'*) continue ;; esac
  if [ "$a" = split ]; then
    [ "$b" = dev ] && dev="$c"
    [ "$b" = test ] && test="$c"
    continue
  fi
  [ -n "$e" ] && [ -z "$rest" ] || die "$list: bad line for '$a' (want: package version arch family sha256)"
  pkgs+=("$a") vers+=("$b") archs+=("$c") fams+=("$d") shas+=("$e")
done <"$list"
[ "${#pkgs[@]}" -gt 0 ] || die "$list lists no packages"

mkdir -p "$cache"
stage="$cache/.staging"
deb_path() { printf '%s/%s_%s_%s.deb' "$cache" "$1" "${2//:/%3a}" "$3"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
apt_get_download() { # quiet apt-get download in the staging folder; keeps its exit status
  (cd "$stage" && apt-get download -qq "$@" 2>&1 | grep -v 'unsandboxed as root' >&2; exit "${PIPESTATUS[0]}")
}
# Moves what the staging folder holds into the cache under canonical names.
file_staged() {
  local f p v a
  for f in "$stage"/*.deb; do
    [ -e "$f" ] || continue
    p="$(dpkg-deb -f "$f" Package)" v="$(dpkg-deb -f "$f" Version)" a="$(dpkg-deb -f "$f" Architecture)"
    mv -f "$f" "$(deb_path "$p" "$v" "$a")"
  done
}

# --- download what the cache lacks (one apt-get call; one per package when that fails)
downloaded=0
need=()
for i in "${!pkgs[@]}"; do
  f="$(deb_path "${pkgs[i]}" "${vers[i]}" "${archs[i]}")"
  if [ "$pin" = 1 ]; then
    need+=("$i")
  elif [ -f "$f" ] && [ "$(sha_of "$f")" = "${shas[i]}" ]; then
    continue
  else
    rm -f "$f"
    need+=("$i")
  fi
done
rm -rf "$stage" && mkdir -p "$stage" && chmod 755 "$stage"
if [ "${#need[@]}" -gt 0 ]; then
  say "downloading ${#need[@]} of ${#pkgs[@]} packages into $cache"
  specs=()
  for i in "${need[@]}"; do
    if [ "$pin" = 1 ]; then specs+=("${pkgs[i]}"); else specs+=("${pkgs[i]}:${archs[i]}=${vers[i]}"); fi
  done
  if ! apt_get_download "${specs[@]}" 2>/dev/null; then
    rm -f "$stage"/*.deb
    for k in "${!need[@]}"; do
      i="${need[k]}"
      apt_get_download "${specs[k]}" 2>/dev/null && continue
      # the pinned version is gone from the archive: take the current one, loudly
      if apt_get_download "${pkgs[i]}"; then
        warn "${pkgs[i]} ${vers[i]} is no longer in the archive: using its current version" \
             "instead; the corpus will not match the pinned one (CORPUS_HASH differs)"
      else
        warn "${pkgs[i]} cannot be downloaded at all (is 'apt-get update' needed?): left out"
      fi
    done
  fi
  downloaded="$(du -cb "$stage"/*.deb 2>/dev/null | tail -1 | cut -f1 || echo 0)"
  file_staged
fi

# --- verify: the pinned file with its pinned SHA-256, or a fallback version (any arch)
used_ver=() used_sha=() used_file=()
for i in "${!pkgs[@]}"; do
  f="$(deb_path "${pkgs[i]}" "${vers[i]}" "${archs[i]}")"
  if [ "$pin" = 1 ]; then
    f="$(ls -t "$cache/${pkgs[i]}"_*.deb 2>/dev/null | head -1 || true)"
  fi
  if [ -f "$f" ]; then
    s="$(sha_of "$f")"
    if [ "$pin" = 0 ] && [ "$s" != "${shas[i]}" ]; then
      rm -f "$f"
      die "${pkgs[i]} ${vers[i]}: SHA-256 $s does not match the pinned ${shas[i]} (file removed)"
    fi
    used_file[i]="$f" used_sha[i]="$s"
    used_ver[i]="$(dpkg-deb -f "$f" Version)"
    [ "$pin" = 1 ] && archs[i]="$(dpkg-deb -f "$f" Architecture)"
  else
    f="$(ls -t "$cache/${pkgs[i]}"_*.deb 2>/dev/null | head -1 || true)"
    if [ -n "$f" ]; then
      used_file[i]="$f" used_sha[i]="$(sha_of "$f")" used_ver[i]="$(dpkg-deb -f "$f" Version)"
      warn "${pkgs[i]}: pinned ${vers[i]} unavailable, building with ${used_ver[i]}"
    else
      used_file[i]=""
    fi
  fi
done

if [ "$pin" = 1 ]; then # rewrite the package lines, keep everything else
  tmp="$list.tmp"
  : >"$tmp"
  declare -A line_for=()
  for i in "${!pkgs[@]}"; do
    [ -n "${used_file[i]}" ] || die "${pkgs[i]}: nothing downloaded, cannot pin"
    line_for["${pkgs[i]}"]="$(printf '%-30s %-28s %-5s %-15s %s' "${pkgs[i]}" "${used_ver[i]}" \
      "${archs[i]}" "${fams[i]}" "${used_sha[i]}")"
  done
  while IFS= read -r line; do
    read -r -a w <<<"$line"
    if [ "${#w[@]}" -eq 5 ] && [ -n "${line_for[${w[0]}]:-}" ]; then
      echo "${line_for[${w[0]}]}"
    else
      echo "$line"
    fi
  done <"$list" >"$tmp"
  mv "$tmp" "$list"
  say "pinned ${#pkgs[@]} packages in $list"
  exit 0
fi

# --- extract the French catalogs: */fr/LC_MESSAGES/*.mo and WordPress-style *fr_FR.mo
mo_root="$cache/mo"
inputs="$cache/inputs.tsv"
mkdir -p "$mo_root"
: >"$inputs.tmp"
ncat=0
for i in "${!pkgs[@]}"; do
  f="${used_file[i]}"
  [ -n "$f" ] || continue
  dest="$mo_root/${pkgs[i]}_${used_ver[i]//:/%3a}"
  if [ "$(cat "$dest/.extracted" 2>/dev/null)" != "${used_sha[i]}" ]; then
    rm -rf "$dest" && mkdir -p "$dest"
    members="$(dpkg-deb --fsys-tarfile "$f" | tar -t | grep -E '(^|/)fr/LC_MESSAGES/[^/]+\.mo$|(^|/)[^/]*fr_FR\.mo$' || true)"
    if [ -n "$members" ]; then
      printf '%s\n' "$members" >"$dest/.members"
      dpkg-deb --fsys-tarfile "$f" | tar -x -C "$dest" -T "$dest/.members" ||
        die "${pkgs[i]}: extracting the catalogs failed"
    else
      warn "${pkgs[i]} ${used_ver[i]} holds no French catalog"
    fi
    echo "${used_sha[i]}" >"$dest/.extracted"
  fi
  while IFS= read -r mo; do
    name="${mo#"$dest"/}"
    name="${name#./}"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${pkgs[i]}" "${used_ver[i]}" "${fams[i]}" \
      "${used_sha[i]}" "$name" "$mo" >>"$inputs.tmp"
    ncat=$((ncat + 1))
  done < <(find "$dest" -type f -name '*.mo' | LC_ALL=C sort)
done
mv "$inputs.tmp" "$inputs"
say "$ncat French catalogs from ${#pkgs[@]} packages"

# --- build s2sbench if needed, then the corpus
if [ ! -x "$bin" ]; then
  say "building s2sbench (cmake)"
  (cd "$root" && cmake -S . -B build >/dev/null && cmake --build build -j"$(nproc)" --target s2sbench >/dev/null) ||
    die "could not build s2sbench"
  bin="$root/build/s2sbench"
fi
args=(corpus --out "$out" --inputs "$inputs" --min-train "$min_train")
[ -n "$dev" ] && args+=(--dev "$dev")
[ -n "$test" ] && args+=(--test "$test")
"$bin" "${args[@]}" || die "s2sbench corpus failed (see above)"
cache_mb="$(du -sm "$cache" | cut -f1)"
say "done in $((SECONDS - start)) s; downloaded $((downloaded / 1048576)) MB this run; cache $cache holds ${cache_mb} MB"
say "leak check: no dev or test sentence (English or French) occurs in train; details in $out/STATS.txt"
