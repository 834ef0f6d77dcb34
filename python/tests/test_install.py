"""`pip install ./python` gives a package that loads its own bundled library."""
import os
import subprocess
import sys

PYDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pip_install_bundles_the_library(tmp_path):
    venv = tmp_path / "venv"
    subprocess.check_call([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("GAMENET_LIBRARY", "PYTHONPATH")}
    # Bundle the library under test (test.sh points GAMENET_LIBRARY at the build cargo test
    # just made); a release build left from earlier may be older than the package.
    lib = os.environ.get("GAMENET_LIBRARY") or os.path.join(
        os.path.dirname(PYDIR), "target", "release", "libgamenet.so")
    if os.path.exists(lib):
        env["GAMENET_LIBRARY"] = lib  # no rebuild
    subprocess.check_call([py, "-m", "pip", "install", "--quiet",
                           "--no-deps", PYDIR], env=env, cwd=str(tmp_path))
    env.pop("GAMENET_LIBRARY", None)
    out = subprocess.run([py, "-c", "import gamenet, gamenet._ffi as f; print(gamenet.__version__,"
                          " f.library_path)"], capture_output=True, text=True, env=env,
                         cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    version, path = out.stdout.split()
    assert version == "0.1.0"
    assert path.startswith(str(venv)) and path.endswith("libgamenet.so")


def test_the_wheel_is_tagged_for_any_python3_and_carries_py_typed(tmp_path):
    import zipfile
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    lib = os.environ.get("GAMENET_LIBRARY") or os.path.join(
        os.path.dirname(PYDIR), "target", "release", "libgamenet.so")
    if os.path.exists(lib):
        env["GAMENET_LIBRARY"] = lib
    subprocess.check_call([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "-w", str(tmp_path), PYDIR], env=env, cwd=str(tmp_path))
    wheels = [p.name for p in tmp_path.iterdir() if p.suffix == ".whl"]
    assert len(wheels) == 1, wheels
    assert "-py3-none-linux_" in wheels[0], wheels[0]
    names = zipfile.ZipFile(tmp_path / wheels[0]).namelist()
    assert "gamenet/py.typed" in names and "gamenet/libgamenet.so" in names


def test_gamenet_library_pointing_at_a_missing_file_is_an_error_that_says_so(tmp_path):
    env = dict(os.environ, GAMENET_LIBRARY=str(tmp_path / "nope.so"), PYTHONPATH=PYDIR)
    out = subprocess.run([sys.executable, "-c", "import gamenet"], capture_output=True,
                         text=True, env=env, cwd=str(tmp_path))
    assert out.returncode != 0
    assert "GAMENET_LIBRARY is set to" in out.stderr and "nope.so" in out.stderr
