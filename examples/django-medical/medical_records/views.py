"""Views of the medical-records example, with mistakes planted for querysafe_lint.

Each line marked `# planted: QS<code>` holds a query MongoDB Queryable Encryption would refuse, at
the position querysafe_lint reports (tests: python/tests/test_django_medical.py); everything else
here is accepted, or cannot be known statically (values from the request become parameters).
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from .models import Patient

PAGE = 20


def _rows(qs):
    return JsonResponse({"patients": [str(p) for p in qs]})


# -- correct queries -------------------------------------------------------------------------------

def patient_by_ssn(request):
    # The tutorial's own query: equality on the encrypted ssn, the value from the request.
    patient = Patient.objects.get(patient_record__ssn=request.GET["ssn"])
    return JsonResponse({"patient": str(patient)})


def patients_by_ssns(request):
    ssns = request.GET.getlist("ssn")
    return _rows(Patient.objects.filter(patient_record__ssn__in=ssns).order_by("-patient_id")[:PAGE])


def patient_detail(request, patient_id):
    patient = get_object_or_404(Patient, patient_id=patient_id)
    return JsonResponse({"patient": str(patient)})


def search(request):
    ssn = request.GET.get("ssn", "")
    name = request.GET.get("name", "")
    qs = Patient.objects.filter(Q(patient_record__ssn=ssn) | Q(patient_name__istartswith=name))
    qs = qs.exclude(patient_id=0)
    if request.GET.get("recent"):
        qs = qs.order_by("-patient_id")
    page = int(request.GET.get("page", 0))
    return _rows(qs[page * PAGE:(page + 1) * PAGE])


def billing_report(request):
    totals = Patient.objects.filter(
        patient_record__bill_amount__gte=Decimal("1000.00"),
    ).aggregate(total=Sum("patient_record__bill_amount"), n=Count("id"))
    return JsonResponse({k: str(v) for k, v in totals.items()})


def count_by_ssn(request):
    n = Patient.objects.filter(patient_record__ssn=request.GET["ssn"]).count()
    return JsonResponse({"count": n})


def rename(request, patient_id):
    # A model's save() updates one document by its _id: the update encrypted collections take.
    patient = get_object_or_404(Patient, pk=patient_id)
    patient.patient_name = request.POST["name"]
    patient.save(update_fields=["patient_name"])
    return JsonResponse({})


def patient_ids(request):
    # A lookup on an annotation: querysafe resolves model fields only, so the lint skips it.
    ids = Patient.objects.annotate(n=Count("id")).filter(n__gte=1).values_list("patient_id", flat=True)
    return JsonResponse({"ids": list(ids)})


async def patient_by_ssn_async(request):
    patient = await Patient.objects.aget(patient_record__ssn=request.GET["ssn"])
    return JsonResponse({"patient": str(patient)})


# -- planted mistakes ------------------------------------------------------------------------------

def search_by_ssn_prefix(request):
    prefix = request.GET["prefix"]
    return _rows(Patient.objects.filter(patient_record__ssn__startswith=prefix))  # planted: QS51092


def patient_by_ssn_ignoring_case(request):
    return get_object_or_404(Patient, patient_record__ssn__iexact=request.GET["ssn"])  # planted: QS51092


def patients_sorted(request):
    qs = Patient.objects.filter(patient_name__icontains=request.GET.get("q", ""))
    qs = qs.order_by("patient_record__ssn")  # planted: QS6316401
    return _rows(qs)


def ssn_range(request):
    qs = Patient.objects.all()
    if "after" in request.GET:
        qs = qs.filter(patient_record__ssn__gt=request.GET["after"])  # planted: QS6720400
    return _rows(qs)


def visa_patients(request):
    return _rows(
        Patient.objects
        .filter(patient_id__gt=0)
        .filter(patient_record__billing__cc_type="Visa")  # planted: QS51102
        .order_by("patient_name")
    )


def patients_without_ssn(request):
    return _rows(Patient.objects.filter(patient_record__ssn__isnull=True))  # planted: QS51095


def patients_in(request):
    return _rows(Patient.objects.filter(patient_record__ssn__in=["987-65-4320", None]))  # planted: QS51120


def ssn_duplicates(request):
    dupes = Patient.objects.values("patient_record__ssn").annotate(n=Count("id"))  # planted: QS51222
    return JsonResponse({"duplicates": list(dupes)})


def highest_ssn(request):
    return JsonResponse(Patient.objects.aggregate(Max("patient_record__ssn")))  # planted: QS51221


def rename_by_pk(request, patient_id):
    # QuerySet.update() is a multi-document update even on the primary key: use save().
    Patient.objects.filter(pk=patient_id).update(patient_name="?")  # planted: QS6329900
    return JsonResponse({})


def rename_all(request):
    Patient.objects.filter(patient_id__gte=int(request.POST["from"])).update(patient_name="?")  # planted: QS6329900
    return JsonResponse({})


def ssn_equals_name(request):
    return _rows(Patient.objects.filter(patient_record__ssn=F("patient_name")))  # planted: QS6334105


def typo(request):
    return _rows(Patient.objects.filter(patient_nme=request.GET["name"]))  # planted: QS000


def both_lists(request):
    a = Patient.objects.filter(patient_id__lt=100)
    b = Patient.objects.filter(patient_name="x")
    return _rows(a.union(b))  # planted: QS31011


def admitted_on(request):
    return _rows(Patient.objects.filter(patient_id=date(2024, 1, 31)))  # planted: QS000


async def ssn_contains_async(request):
    return await Patient.objects.filter(
        patient_record__ssn__contains=request.GET["part"]).afirst()  # planted: QS51092
