"""`pip install --no-build-isolation .` gives an importable querysafe, offline.

Makes a throwaway venv (--system-site-packages, so that Debian's pip, scikit-build-core and
nanobind are visible; --without-pip, as Debian's venv has no ensurepip without python3-venv),
installs the source tree into it with no index, then imports the installed package from outside
the source tree and translates a query with it. The CMake build directory is kept in --work, so
a second run rebuilds only what changed.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--source", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()

for module, package in (("pip", "python3-pip"), ("scikit_build_core", "python3-scikit-build-core"),
                        ("nanobind", "python3-nanobind")):
    if importlib.util.find_spec(module) is None:
        print(f"SKIP: pip install needs {module} (Debian: {package})")
        sys.exit(77)

venv = os.path.join(args.work, "venv")
shutil.rmtree(venv, ignore_errors=True)
os.makedirs(args.work, exist_ok=True)
subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv], check=True)
python = os.path.join(venv, "bin", "python")

env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")}
env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
# As many compile jobs as ./dev uses (QUERYSAFE_JOBS, else the cores), not ninja's cores + 2.
env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", os.environ.get("QUERYSAFE_JOBS") or str(os.cpu_count() or 1))
subprocess.run(
    [python, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-deps",
     "-C", "build-dir=" + os.path.join(args.work, "build"), args.source],
    check=True, env=env)

schema = os.path.join(args.source, "examples", "medical-records", "schema.json")
probe = f"""
import os, querysafe
venv = {os.path.realpath(venv)!r}
assert os.path.realpath(querysafe.__file__).startswith(venv), querysafe.__file__
schema = querysafe.Schema.from_file({schema!r})
q = querysafe.Query.compile(schema, "Patient.objects.get(patient_record__ssn=$ssn)")
t = q.translate(ssn="987-65-4320")
assert t.collection == "patients", t
try:
    querysafe.Query.compile(schema, 'Patient.objects.filter(patient_record__ssn__startswith="9")')
    raise SystemExit("a refused query was accepted")
except querysafe.NotSupportedError as e:
    assert e.server_code == 51092
print("installed querysafe", querysafe.__version__, "at", os.path.dirname(querysafe.__file__))
"""
with tempfile.TemporaryDirectory() as cwd:
    subprocess.run([python, "-c", probe], check=True, env=env, cwd=cwd)
print("pip install: the installed package imports and translates")
