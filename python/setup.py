"""Builds libgamenet with cargo (from the source tree this directory sits in) and bundles
it into the package, so `pip install ./python` gives a self-contained install. Set
GAMENET_LIBRARY to bundle an existing build instead."""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def built_library():
    env = os.environ.get("GAMENET_LIBRARY")
    if env:
        return env
    if not os.path.exists(os.path.join(ROOT, "Cargo.toml")):
        raise SystemExit("gamenet: no Cargo.toml above python/ and GAMENET_LIBRARY is not set")
    subprocess.check_call(["cargo", "build", "--release", "--lib"], cwd=ROOT)
    return os.path.join(ROOT, "target", "release", "libgamenet.so")


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        dest = os.path.join(self.build_lib, "gamenet")
        os.makedirs(dest, exist_ok=True)
        shutil.copy2(built_library(), os.path.join(dest, "libgamenet.so"))


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


try:
    from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
except ImportError:  # older setuptools
    from wheel.bdist_wheel import bdist_wheel as _bdist_wheel


class AnyPython3Wheel(_bdist_wheel):
    """The package is ctypes over a bundled library: any Python 3 can load it, so the wheel
    is tagged py3-none-<platform> (Linux), not for one CPython version."""

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": AnyPython3Wheel},
      distclass=BinaryDistribution)
