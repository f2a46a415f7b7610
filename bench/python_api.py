"""What the Python API costs per call, for the anchor query of bench/README.md.

    ./dev build default querysafe_python
    ./dev shell env PYTHONPATH=build/default/python python3 -B bench/python_api.py [CALLS]

Best of 5 rounds of CALLS calls (default 20,000) each. The C++ translation itself is measured by
./dev bench (Google Benchmark); the difference is the Python call, the conversion of the
parameters and the result object.
"""

import sys
import timeit
from pathlib import Path

import querysafe

REPO = Path(__file__).resolve().parents[1]
calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
schema = querysafe.Schema.from_file(REPO / "examples" / "medical-records" / "schema.json")
text = 'Patient.objects.filter(patient_record__ssn=$ssn).order_by("-patient_id")[:10]'
query = querysafe.Query.compile(schema, text)
translation = query.translate(ssn="987-65-4320")

cases = [
    ("Query.compile", lambda: querysafe.Query.compile(schema, text)),
    ("translate", lambda: query.translate(ssn="987-65-4320")),
    ("translate + to_json()", lambda: query.translate(ssn="987-65-4320").to_json()),
    ("translate + .command", lambda: query.translate(ssn="987-65-4320").command),
    ("command_extended_json() alone", lambda: translation.command_extended_json()),
    ("QueryBuilder compile + translate", lambda: querysafe.QueryBuilder("Patient")
     .filter(patient_record__ssn="987-65-4320").order_by("-patient_id")[:10].compile(schema).translate()),
]
print(f"querysafe {querysafe.__version__}, pymongo bson: {querysafe.HAVE_BSON}", end="")
if querysafe.HAVE_BSON:
    import bson
    print(f" (C extension: {bson.has_c()})", end="")
print(f"; best of 5 x {calls} calls")
for name, call in cases:
    best = min(timeit.repeat(call, number=calls, repeat=5)) / calls
    print(f"{name:36} {best * 1e6:8.2f} us")
