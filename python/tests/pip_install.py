"""`pip install --no-build-isolation .` gives an importable querysafe, offline.

Installs the ctest's own build tree (`cmake --install --build-tree`: the shared library and its
CMake package) into a prefix, then makes a throwaway venv (--system-site-packages, so that
Debian's pip, scikit-build-core and nanobind are visible; --without-pip, as Debian's venv has no
ensurepip without python3-venv) and installs the source tree into it with no index, against that
prefix (QUERYSAFE_PYTHON_USE_INSTALLED, python/README.md): pip's CMake build compiles the
extension alone, not the library once more. Then it imports the installed package from outside
the source tree, without LD_LIBRARY_PATH, checks that the extension loaded the prefix's
libquerysafe.so, and translates a query with it. pip's CMake build directory is kept in --work,
so a second run rebuilds only what changed.
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
parser.add_argument("--build-tree", required=True)
parser.add_argument("--cmake", required=True)
args = parser.parse_args()

for module, package in (("pip", "python3-pip"), ("scikit_build_core", "python3-scikit-build-core"),
                        ("nanobind", "python3-nanobind")):
    if importlib.util.find_spec(module) is None:
        print(f"SKIP: pip install needs {module} (Debian: {package})")
        sys.exit(77)

venv = os.path.join(args.work, "venv")
prefix = os.path.join(args.work, "prefix")
for stale in (venv, prefix):
    shutil.rmtree(stale, ignore_errors=True)
os.makedirs(args.work, exist_ok=True)
install = subprocess.run([args.cmake, "--install", args.build_tree, "--prefix", prefix],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
if install.returncode != 0:
    sys.exit("cmake --install failed:\n" + install.stdout)
subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv], check=True)
python = os.path.join(venv, "bin", "python")

# No LD_LIBRARY_PATH: the extension must find the prefix's library through its rpath.
env = {k: v for k, v in os.environ.items()
       if k not in ("PYTHONPATH", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "LD_LIBRARY_PATH")}
env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
# As many compile jobs as ./dev uses (QUERYSAFE_JOBS, else the cores), not ninja's cores + 2.
env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", os.environ.get("QUERYSAFE_JOBS") or str(os.cpu_count() or 1))
subprocess.run(
    [python, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-deps",
     "-C", "build-dir=" + os.path.join(args.work, "build"),
     "-C", "cmake.define.QUERYSAFE_PYTHON_USE_INSTALLED=ON",
     "-C", "cmake.define.CMAKE_PREFIX_PATH=" + prefix, args.source],
    check=True, env=env)

schema = os.path.join(args.source, "examples", "medical-records", "schema.json")
probe = f"""
import os, querysafe
venv = {os.path.realpath(venv)!r}
prefix = {os.path.realpath(prefix)!r}
assert os.path.realpath(querysafe.__file__).startswith(venv), querysafe.__file__
with open("/proc/self/maps") as maps:
    libs = {{line.split()[-1] for line in maps if "libquerysafe.so" in line}}
assert libs and all(os.path.realpath(lib).startswith(prefix) for lib in libs), libs
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
