#!/bin/bash
# public_api_only.sh REPO CLI: the querysafe command is a program of the public API, as any user's
# program is. Its sources (tools/) include only the public headers (include/querysafe), their own,
# and lib/common's BSON and JSON helpers, which are compiled into the command; the built command
# loads libquerysafe.so.0 rather than carrying a copy of the library.
set -euo pipefail
repo=$1
cli=$2
allowed='#include "(querysafe/|tools/|absl/|lib/common/(bson_util|bson_array|json_error)\.h")'
bad=$(grep -Hn '^#include "' "$repo"/tools/*.cc "$repo"/tools/*.h | grep -v -E ":[0-9]+:$allowed" || true)
if [ -n "$bad" ]; then
  echo "tools/ includes headers outside the public API (use include/querysafe, or add what is" >&2
  echo "missing to the public API):" >&2
  printf '%s\n' "$bad" >&2
  exit 1
fi
readelf -d "$cli" | grep -q 'NEEDED.*\[libquerysafe\.so\.0\]' ||
  { echo "$cli does not link libquerysafe.so.0" >&2; exit 1; }
echo "cli.public_api_only: tools/ includes only the public API; the command links libquerysafe.so.0"
