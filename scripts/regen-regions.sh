#!/usr/bin/env bash
# Rebuilds region/wilayah.tsv.gz from the npm package idn-area-data (pinned
# version below). Needs npm and Go. The data is under the ODbL: keep
# region/LICENSE-ODbL.md and the attribution in region/NOTICE.md beside it.
set -euo pipefail
VERSION=4.0.1
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "idn-area-data@$VERSION" >/dev/null && tar xzf "idn-area-data-$VERSION.tgz")
go run ./scripts/regiongen -src "$tmp/package/data" -out region/wilayah.tsv.gz
cp "$tmp/package/data/LICENSE.md" region/LICENSE-ODbL.md
echo "region/wilayah.tsv.gz rebuilt from idn-area-data $VERSION"
