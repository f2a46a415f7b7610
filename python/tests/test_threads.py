"""One schema, query and encryptor shared by several threads: every result equals the
single-threaded one (the C++ objects are immutable; the GIL is released while they work)."""

import concurrent.futures

import querysafe

ROUNDS = 200


def test_translations_from_many_threads_agree(medical, encryptor):
    q = querysafe.Query.compile(medical, "Patient.objects.filter(patient_record__ssn=$ssn)[:5]")
    ssns = [f"{i:03d}-00-0000" for i in range(16)]
    expected = {s: q.explain(encryptor, ssn=s).to_json() for s in ssns}

    def work(k):
        out = []
        for i in range(ROUNDS):
            s = ssns[(k + i) % len(ssns)]
            out.append((s, q.explain(encryptor, ssn=s).to_json()))
        return out

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for results in pool.map(work, range(8)):
            for s, got in results:
                assert got == expected[s]


def test_compiling_from_many_threads_agrees(medical):
    texts = [
        'Patient.objects.filter(patient_record__ssn="1")',
        'Patient.objects.filter(patient_record__ssn__startswith="1")',
        "Patient.objects.filter(patient_id__gt=5).order_by('-patient_id')[:3]",
        "Patient.objects.filter(patient_nme=1)",
    ]

    def outcome(text):
        try:
            return querysafe.Query.compile(medical, text).translate().to_json()
        except querysafe.Error as e:
            return str(e)

    expected = [outcome(t) for t in texts]

    def work(k):
        return [outcome(texts[(k + i) % len(texts)]) == expected[(k + i) % len(texts)] for i in range(ROUNDS)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        assert all(all(r) for r in pool.map(work, range(8)))
