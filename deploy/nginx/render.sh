#!/usr/bin/env bash
# Fills the @NAME@ placeholders of deploy/nginx/photodesk.conf and prints the result: the file
# for /etc/nginx/conf.d/ (docs/operations.md, "nginx in front"). The test suite renders the
# same template with this script (tests/ops), so what is tested is what is shipped.
#
# Usage: deploy/nginx/render.sh --server-name NAME --cert PEM --key PEM --upstream HOST:PORT
#            [--upstream HOST:PORT ...] [--listen 443] [--http-listen 80]
#            [--public-url https://NAME[:PORT]] [--log-dir /var/log/nginx] [--template FILE]
# Exits 2 on a missing or malformed argument, and when a placeholder would be left unfilled.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
template="$here/photodesk.conf"
server_name="" cert="" key="" listen="443" http_listen="80" public_url="" log_dir="/var/log/nginx"
upstreams=()
die() { echo "render.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || [ "$1" = -h ] || [ "$1" = --help ] || die "$1 needs a value"
  case "$1" in
    --server-name) server_name="$2"; shift 2 ;;
    --cert) cert="$2"; shift 2 ;;
    --key) key="$2"; shift 2 ;;
    --upstream) upstreams+=("$2"); shift 2 ;;
    --listen) listen="$2"; shift 2 ;;
    --http-listen) http_listen="$2"; shift 2 ;;
    --public-url) public_url="$2"; shift 2 ;;
    --log-dir) log_dir="$2"; shift 2 ;;
    --template) template="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$server_name" ] || die "--server-name is required"
[ -n "$cert" ] && [ -n "$key" ] || die "--cert and --key are required"
[ ${#upstreams[@]} -gt 0 ] || die "at least one --upstream HOST:PORT is required"
[ -r "$template" ] || die "cannot read the template $template"
# Values end up inside nginx directives: no whitespace, quotes, semicolons or braces.
for v in "$server_name" "$cert" "$key" "$listen" "$http_listen" "$public_url" "$log_dir" "${upstreams[@]}"; do
  case "$v" in *[[:space:]\;\{\}\"\'\$\\\&]*) die "value '$v' contains a character nginx would misread" ;; esac
done
for u in "${upstreams[@]}"; do
  [[ "$u" =~ ^[^:]+:[0-9]+$ || "$u" =~ ^\[[0-9a-fA-F:]+\]:[0-9]+$ || "$u" =~ ^unix:/ ]] ||
    die "--upstream '$u': expected HOST:PORT"
done
if [ -z "$public_url" ]; then
  port="${listen##*:}"
  if [ "$port" = 443 ]; then public_url="https://$server_name"; else public_url="https://$server_name:$port"; fi
fi

# One pass: @UPSTREAM@ lines are repeated per upstream, every other placeholder replaced.
out=$(awk -v SERVER_NAME="$server_name" -v TLS_CERT="$cert" -v TLS_KEY="$key" -v LISTEN="$listen" \
          -v HTTP_LISTEN="$http_listen" -v PUBLIC_URL="$public_url" -v LOG_DIR="$log_dir" \
          -v UPSTREAMS="${upstreams[*]}" '
  function fill(s) {
    gsub(/@SERVER_NAME@/, SERVER_NAME, s); gsub(/@TLS_CERT@/, TLS_CERT, s); gsub(/@TLS_KEY@/, TLS_KEY, s)
    gsub(/@HTTP_LISTEN@/, HTTP_LISTEN, s); gsub(/@LISTEN@/, LISTEN, s); gsub(/@PUBLIC_URL@/, PUBLIC_URL, s)
    gsub(/@LOG_DIR@/, LOG_DIR, s)
    return s
  }
  /^[[:space:]]*#/ { print; next }   # comments keep naming the placeholders
  /@UPSTREAM@/ {
    n = split(UPSTREAMS, u, " ")
    for (i = 1; i <= n; i++) { line = $0; sub(/@UPSTREAM@/, u[i], line); print fill(line) }
    next
  }
  { print fill($0) }' "$template")
# Comments may name placeholders; directives may not keep one.
left=$(printf '%s\n' "$out" | grep -v '^[[:space:]]*#' | grep -o '@[A-Z_]*@' | sort -u | tr '\n' ' ' || true)
[ -z "$left" ] || die "placeholders left unfilled: $left"
echo "# Rendered by deploy/nginx/render.sh from deploy/nginx/photodesk.conf: edit the template, not this file."
printf '%s\n' "$out"
