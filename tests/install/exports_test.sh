#!/bin/bash
# exports_test.sh LIBRARY: libquerysafe.so exports the public API and nothing else (lib/querysafe.map,
# include/querysafe/export.h): every defined dynamic symbol is a C function querysafe_* or, demangled,
# a member of namespace querysafe; none is a template instantiation of the standard library,
# abseil or Boost (std::regex's internals used to be there), nor an internal namespace of the
# library. Both halves of the API are there.
set -euo pipefail
lib=$1

symbols=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u)
demangled=$(printf '%s\n' "$symbols" | c++filt)
[ -n "$symbols" ] || { echo "no dynamic symbols in $lib" >&2; exit 1; }

bad=$(printf '%s\n' "$demangled" | grep -v -E '^(querysafe_[a-z_0-9]+|querysafe::.*|QUERYSAFE_[0-9]+)$' || true)
# Public classes only: the stages' namespaces (querysafe::exec, ::schema, ::internal...) stay
# hidden even though their names start with querysafe::.
internal=$(printf '%s\n' "$demangled" |
  grep -E '^querysafe::(internal|exec|crypt|lower|analyze|schema|parse|grammar|cli)::' || true)
if [ -n "$bad$internal" ]; then
  echo "$lib exports symbols outside the public API:" >&2
  printf '%s\n' "$bad" "$internal" | sed '/^$/d' | head -40 >&2
  exit 1
fi
for want in querysafe_translate querysafe_schema_from_json 'querysafe::Schema::FromJson(' \
  'querysafe::Query::Compile(' 'querysafe::Client::Connect('; do
  printf '%s\n' "$demangled" | grep -qF "$want" || { echo "$lib does not export $want" >&2; exit 1; }
done
echo "install.exports: $(printf '%s\n' "$symbols" | grep -c .) symbols, all public API" \
  "($(printf '%s\n' "$symbols" | grep -c '^querysafe_') C, the rest C++)"
