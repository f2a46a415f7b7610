"""The Python API gives, for every query of the example apps, exactly what the `querysafe`
command prints (examples/*/expected.txt): the same command for accepted queries (translate and
the byte-stable explain payloads), the same diagnostics and caret rendering for refused ones."""

import base64
import datetime
import json
import os

import pytest

import querysafe
from conftest import EXAMPLES, option, transcript

CASES = [
    (app, argv, stdout, stderr, code)
    for app in ("medical-records", "risk-register")
    for (argv, stdout, stderr, code) in transcript(app)
    if argv[1] in ("translate", "explain")
]


def case_id(case):
    app, argv = case[0], case[1]
    return f"{app}:{argv[1]}:{argv[-1][:60]}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_transcript_matches_the_command(case):
    app, argv, stdout, stderr, code = case
    here = EXAMPLES / app
    schema = querysafe.Schema.from_file(here / option(argv, "--schema"))
    params = json.loads(option(argv, "--params", "{}"))
    options = {}
    if "--server-version" in argv:
        options["server_version"] = option(argv, "--server-version")
    text = argv[-1]
    try:
        query = querysafe.Query.compile(schema, text, require_encryptable=argv[1] == "explain", **options)
        result = query.translate(params)
        if argv[1] == "explain":
            encryptor = querysafe.Encryptor.open_offline(
                here / option(argv, "--key-vault"), "@" + os.fspath(here / option(argv, "--kms-local-key")[1:])
            )
            result = encryptor.explain(result)
    except querysafe.Error as e:
        assert code == 1, str(e)
        assert str(e) == stderr
        expected = json.loads(stdout)["errors"]
        assert len(e.diagnostics) == len(expected)
        for d, x in zip(e.diagnostics, expected):
            assert type(e).__name__ == expected[0]["category"]
            assert (d.category, d.code, d.server_code, d.message) == (
                x["category"], x["code"], x.get("server_code") or 0, x["message"])
            assert d.span == (x["span"]["begin"], x["span"]["end"])
            assert (d.line, d.column) == (x["span"]["line"], x["span"]["column"])
        assert (e.code, e.server_code, e.span) == (e.diagnostics[0].code, e.diagnostics[0].server_code,
                                                   e.diagnostics[0].span)
        return
    assert code == 0, stderr
    # The command prints relaxed Extended JSON, to_json() canonical: compared as values, numbers
    # unwrapped (the types are checked by the C++ golden tests).
    got = without_payload_ids(json.loads(result.to_json(), object_hook=relaxed))
    assert got == without_payload_ids(json.loads(stdout, object_hook=relaxed))


def relaxed(value):
    """Canonical Extended JSON numbers as relaxed Extended JSON writes them."""
    if len(value) == 1:
        (key, text), = value.items()
        if key in ("$numberInt", "$numberLong"):
            return int(text)
        if key == "$numberDouble" and text not in ("Infinity", "-Infinity", "NaN"):
            return float(text)
        # Relaxed writes a date from 1970 to 9999 as ISO-8601 text (the Extended JSON spec).
        if key == "$date" and isinstance(text, int) and 0 <= text < 253402300800000:
            when = datetime.datetime.fromtimestamp(text // 1000, datetime.timezone.utc)
            millis = f".{text % 1000:03d}" if text % 1000 else ""
            return {"$date": when.strftime("%Y-%m-%dT%H:%M:%S") + millis + "Z"}
    return value


def without_payload_ids(value):
    """A range find payload carries libmongocrypt's process-wide payloadId counter (0 for the first
    range query of a process, as each `querysafe explain` is): decoded, with the counter dropped."""
    if isinstance(value, list):
        return [without_payload_ids(v) for v in value]
    if not isinstance(value, dict):
        return value
    binary = value.get("$binary")
    if isinstance(binary, dict) and binary.get("subType") == "06":
        raw = base64.b64decode(binary["base64"])
        if raw[:1] == b"\x0d" and querysafe.HAVE_BSON:  # FLE2FindRangePayloadV2
            import bson
            payload = bson.decode(raw[1:])
            payload.pop("payloadId", None)
            return {"range find payload": repr(payload)}
    return {k: without_payload_ids(v) for k, v in value.items()}


def test_the_transcripts_cover_both_outcomes():
    codes = {c[4] for c in CASES}
    assert codes == {0, 1}
    assert sum(1 for c in CASES if c[1][1] == "explain") >= 5
