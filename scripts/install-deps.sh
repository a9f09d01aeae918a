#!/usr/bin/env bash
# Installs every Debian package PhotoDesk needs to build, test and run.
# Idempotent: when everything is already installed it returns in well under a second
# without touching the network. Every dependency comes from Debian (see third_party/README.md).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-14 libclang-rt-14-dev
  # photo engine
  libopencv-dev libopencv-contrib-dev opencv-data
  libdlib-dev libdlib-data libblas-dev liblapack-dev
  libexif-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev libheif-dev
  # configuration, logging, CLI
  nlohmann-json3-dev libtoml11-dev libcli11-dev libspdlog-dev libfmt-dev
  # server, storage, client
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev libcurl4-openssl-dev
  libsqlite3-dev libpqxx-dev postgresql postgresql-contrib libzip-dev
  openssl  # the TLS test makes a throwaway certificate
  curl     # tests/server sends a decision batch with `curl -d` (issue 9, item 15)
  # nginx in front of photodeskd (deploy/nginx): tests/ops start their own nginx on free ports
  # from the shipped config. On a systemd host, installing it also starts Debian's stock nginx
  # on port 80 (default site); nothing here uses port 80, so that is harmless (docs/operations.md).
  nginx
  # workstation
  libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri fonts-noto-cjk
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev xvfb xauth python3-skimage
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
