#!/usr/bin/env bash
# examples/demo.sh: querysafe's main job, offline. On the medical-records app of MongoDB's Django
# Queryable Encryption tutorial, it shows for the queries a user would try either the encrypted
# command that would be sent (real payloads, made with a throwaway local key) or the documented
# rejection with a caret. Nothing is sent anywhere: there is no server.
#
# usage: examples/demo.sh [QUERYSAFE]
#   QUERYSAFE  the querysafe command (default: build/default/tools/querysafe). `./dev demo` builds
#              it and runs this script.
#
# Keys: a new local master key and new data keys, in a temporary directory removed on exit;
# never examples/keys/ (the fixed, public test key of the expected outputs).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(dirname "$HERE")
QUERYSAFE=${1:-$REPO/build/default/tools/querysafe}
if [ ! -x "$QUERYSAFE" ]; then
  echo "demo.sh: no querysafe command at $QUERYSAFE (run ./dev demo, which builds it)" >&2
  exit 2
fi
# Paths below are shown relative to the repository, as a user there would type them.
cd "$REPO"

MEDICAL=examples/medical-records/schema.json
RISK=examples/risk-register/schema-encrypted-score.json

WORK=$(mktemp -d "${TMPDIR:-/tmp}/querysafe-demo.XXXXXX")
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "demo.sh: failed at line $LINENO" >&2' ERR

if [ -t 1 ]; then
  BOLD=$(printf '\033[1m')
  DIM=$(printf '\033[2m')
  RESET=$(printf '\033[0m')
else
  BOLD="" DIM="" RESET=""
fi

STEP=0

# heading TEXT: a numbered one-line heading.
heading() {
  STEP=$((STEP + 1))
  printf '\n%s== %d. %s%s\n' "$BOLD" "$STEP" "$1" "$RESET"
}

# note TEXT: a line of explanation.
note() { printf '%s%s%s\n' "$DIM" "$1" "$RESET"; }

# quote WORD: WORD as a shell word (quoted only when it needs to be).
quote() {
  case $1 in
    '' | *[!A-Za-z0-9_./@%+=:,-]*) printf "'%s'" "${1//\'/\'\\\'\'}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# Stands for the key options in the command lines shown (defined for the reader in step 2).
# shellcheck disable=SC2016  # the literal text $KEYS, not an expansion
readonly KEYS='$KEYS'

# show ARGS...: prints the querysafe command line, the temporary directory written as $TMP.
show() {
  local line="\$ querysafe" arg
  for arg in "$@"; do
    if [ "$arg" = "$KEYS" ]; then line+=" $KEYS"; else line+=" $(quote "$arg")"; fi
  done
  printf '%s\n' "${line//"$WORK"/\$TMP}"
}

fail() {
  echo "demo.sh: $*" >&2
  exit 1
}

# quiet ARGS...: runs querysafe ARGS; its stderr is shown only if it fails.
quiet() {
  "$QUERYSAFE" "$@" 2>"$WORK/err" || { cat "$WORK/err" >&2; fail "querysafe $1 failed"; }
}

# explain accept|reject SCHEMA QUERY: shows `querysafe explain` for QUERY, checks the outcome.
# Accepted: the command as it would be sent. Rejected: the diagnostics with a caret (stderr); the
# same diagnostics as JSON on stdout are left out.
explain() {
  local expect=$1 schema=$2 query=$3 rc=0
  show explain --schema "$schema" "$KEYS" --format text "$query"
  "$QUERYSAFE" explain --schema "$schema" --key-vault "$WORK/vault.json" \
    --kms-local-key "@$WORK/master.key" --format text "$query" \
    >"$WORK/out" 2>"$WORK/err" || rc=$?
  if [ "$expect" = accept ]; then
    [ "$rc" = 0 ] || { cat "$WORK/err" >&2; fail "expected '$query' to be accepted, got exit $rc"; }
    cat "$WORK/out" "$WORK/err"
  else
    [ "$rc" = 1 ] || { cat "$WORK/out" "$WORK/err" >&2; fail "expected '$query' to be rejected, got exit $rc"; }
    cat "$WORK/err"
    note "(exit 1: rejected before anything was encrypted; nothing would be sent)"
  fi
}

printf '%squerysafe demo: Django QuerySets on MongoDB Queryable Encryption, checked and encrypted offline%s\n' "$BOLD" "$RESET"
note "No MongoDB server is involved: every command below runs on this machine and sends nothing."
note "\`querysafe\` is the command ./dev demo just built (./dev querysafe ARGS runs it); \$TMP is a"
note "temporary directory, removed when the demo ends."

heading "The app: the tutorial's medical records, and which of its fields are encrypted"
show schema encrypted-fields --schema "$MEDICAL"
quiet schema encrypted-fields --schema "$MEDICAL"
note "patient_record.ssn: EncryptedCharField with queries={\"queryType\": \"equality\"}: exact and in lookups."
note "patient_record.billing: EncryptedEmbeddedModelField: the whole subdocument is encrypted, none of it queryable."
note "patient_name, patient_id and patient_record.bill_amount are plaintext."

heading "A throwaway local master key and one data key per encrypted field"
show keys new-master-key --out "$WORK/master.key"
quiet keys new-master-key --out "$WORK/master.key"
note "(the key went to \$TMP/master.key, created with mode 0600, not to the screen.) Commands take it"
note "as --kms-local-key @FILE or from the environment (QUERYSAFE_KMS_LOCAL_KEY=@FILE), never as"
note "text on the command line: every local user can read that in /proc/PID/cmdline, and it stays"
note "in shell history."
show keys create --kms-local-key "@$WORK/master.key" --key-vault "$WORK/vault.json" --key-alt-name \
  patients.patient_record.ssn patients.patient_record.billing risk_assessments.score
quiet keys create --kms-local-key "@$WORK/master.key" --key-vault "$WORK/vault.json" \
  --key-alt-name patients.patient_record.ssn patients.patient_record.billing risk_assessments.score
show keys list --key-vault "$WORK/vault.json"
quiet keys list --key-vault "$WORK/vault.json"
note "Keys are named <db_table>.<path>, as django-mongodb-backend names them. A local master key is"
note "for trying things out; real data wants a KMS. Below, \$KEYS stands for"
note "  --key-vault \$TMP/vault.json --kms-local-key @\$TMP/master.key"

SSN_QUERY='Patient.objects.get(patient_record__ssn="987-65-4320")'
heading "Accepted: the tutorial's query on ssn, sent as an encrypted equality payload"
note "translate shows what querysafe decided: the MQL, with an encryption request where the value goes."
show translate --schema "$MEDICAL" --format text "$SSN_QUERY"
quiet translate --schema "$MEDICAL" --format text "$SSN_QUERY"
note "explain encrypts the request (a BSON binary of subtype 6): the command the driver would send."
explain accept "$MEDICAL" "$SSN_QUERY"
if grep -q -F '987-65-4320' "$WORK/out"; then
  fail "the plaintext ssn is in the encrypted command"
fi
note "The plaintext 987-65-4320 is nowhere in that command."

heading "Rejected: order_by() on an encrypted field"
explain reject "$MEDICAL" 'Patient.objects.order_by("patient_record__ssn")'
note "The message is the one django-mongodb-backend documents for this QuerySet limitation."

heading "Rejected: a field inside billing, which is encrypted as a whole"
explain reject "$MEDICAL" 'Patient.objects.filter(patient_record__billing__cc_type="Visa")'

heading "Rejected: startswith on ssn (a \$regex; an equality index allows only exact and in)"
explain reject "$MEDICAL" 'Patient.objects.filter(patient_record__ssn__startswith="987")'

heading "Accepted: a range on bill_amount, a plaintext DecimalField, sent as is"
explain accept "$MEDICAL" 'Patient.objects.filter(patient_record__bill_amount__gte=Decimal("1000.00"))'
note "The bound is a BSON decimal, the type the field stores."

heading "Accepted: a range on an encrypted range field, sent as an encrypted range payload"
note "The tutorial has no range field. $RISK (the second example app)"
note "encrypts score with queries={\"queryType\": \"range\", \"min\": 1, \"max\": 10}, which needs MongoDB 8.0."
explain accept "$RISK" 'RiskAssessment.objects.filter(score__gte=7)'

heading "Rejected: a range bound outside the field's range index [1, 10]"
explain reject "$RISK" 'RiskAssessment.objects.filter(score__gte=80)'

printf '\n%sEvery query above was checked, and encrypted where accepted, without a server.%s\n' "$BOLD" "$RESET"
note "examples/ has both apps with many more queries, and what querysafe prints for each."

heading "The same against a real MongoDB server"
note "On a replica set or Atlas cluster (MongoDB 7.0+, 8.0+ for range indexes), with URI its"
note "connection string and my-master.key a master key you keep (querysafe keys new-master-key --out):"
cat <<EOF
  export QUERYSAFE_KMS_LOCAL_KEY=@my-master.key
  querysafe migrate --schema $MEDICAL --uri "\$URI"
      creates the key vault index, a data key per encrypted field and the encrypted collection
  querysafe insert --schema $MEDICAL --uri "\$URI" \\
      Patient '{"patient_name": "John Doe", "patient_id": 12345678, "patient_record": {"ssn":
      "987-65-4320", "billing": {"cc_type": "Visa", "cc_number": "4111111111111111"}, "bill_amount": 1500}}'
      encrypts the patient's encrypted fields and inserts it
  querysafe run --schema $MEDICAL --uri "\$URI" \\
      '$SSN_QUERY'
      checks and encrypts the query as above, runs it, and prints the decrypted documents
EOF
note "--kms-providers takes a KMS's credentials instead of the local key. README.md, \"Against a"
note "real server\", has the details."
