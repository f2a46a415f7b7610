#!/bin/bash
# exports_test.sh LIBRARY: libquerysafe_crypt_v1.so exports exactly the thirteen functions of the
# crypt_shared ABI (libmongocrypt's src/mongo_crypt-v1.h; lib/crypt_shared/mongo_crypt_v1.map),
# each a function (nm type T), and nothing else: no querysafe, libstdc++, abseil or Boost symbol.
set -euo pipefail
lib=$1
want='mongo_crypt_v1_analyze_query
mongo_crypt_v1_bson_free
mongo_crypt_v1_get_version
mongo_crypt_v1_get_version_str
mongo_crypt_v1_lib_create
mongo_crypt_v1_lib_destroy
mongo_crypt_v1_query_analyzer_create
mongo_crypt_v1_query_analyzer_destroy
mongo_crypt_v1_status_create
mongo_crypt_v1_status_destroy
mongo_crypt_v1_status_get_code
mongo_crypt_v1_status_get_error
mongo_crypt_v1_status_get_explanation'
# The version node itself (an absolute symbol, type A) is not an export.
got=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $2, $3}' | sed 's/@.*//' | sort)
functions=$(printf '%s\n' "$got" | awk '$1 == "T" {print $2}')
if [ "$(printf '%s\n' "$got" | awk '{print $2}')" != "$want" ] || [ "$functions" != "$want" ]; then
  echo "$lib exports other than the 13 crypt_shared functions:" >&2
  diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
  exit 1
fi
echo "crypt_shared.exports: the 13 mongo_crypt_v1_* functions, nothing else"
